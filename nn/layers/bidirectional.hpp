#pragma once
// Keras Bidirectional: a recurrent layer run over the sequence as given and, with weights of its own, over the
// sequence reversed in time; the two outputs merged. The wrapped layers are children named as Keras names
// them, "forward_lstm" and "backward_lstm", so the weights read "bidirectional_1.forward_lstm.kernel".
#include <memory>
#include <optional>
#include <string>

#include "nn/layers/recurrent.hpp"

namespace nn {

struct BidirectionalOptions {
  /// How the two outputs combine: "concat" (Keras' default: features side by side), "sum", "mul" or "ave".
  std::string merge_mode = "concat";
  /// Per-sample input shape [time, features]; the wrapped layer's own input_shape serves when this is empty.
  std::optional<Shape> input_shape{};
};

class Bidirectional : public LayerOf<Bidirectional> {
 public:
  /// Wraps a copy of `layer` (LSTM, GRU, SimpleRNN; rebuilt from its config, so unbuilt; its remat flag becomes
  /// this layer's) and a second copy that
  /// reads the sequence backwards: [time, features] → [2·units] with concat, else [units] ([time, ·] with
  /// return_sequences, the backward copy's output reversed back into time order).
  explicit Bidirectional(const Recurrent& layer, BidirectionalOptions options = {});
  /// The wrapped layer given by its type and config (what from_config reads); ValueError unless recurrent.
  Bidirectional(const LayerConfig& layer, BidirectionalOptions options);
  std::string type() const override { return "Bidirectional"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// merge(forward(x), reverse(backward(reverse(x)))), x [batch, time, features].
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  /// With remat, each copy checkpoints segments of its time steps, as the recurrent layers do alone.
  bool remats_itself() const override { return true; }
  const std::string& merge_mode() const { return options_.merge_mode; }
  /// The copy reading forwards in time; null before build.
  const Recurrent* forward_layer() const { return forward_.get(); }
  /// The copy reading backwards in time; null before build.
  const Recurrent* backward_layer() const { return backward_.get(); }

 private:
  /// A fresh, unbuilt copy of the wrapped layer.
  std::shared_ptr<Recurrent> make_copy() const;

  LayerConfig layer_config_;
  BidirectionalOptions options_;
  // An unbuilt copy that answers shape questions before build; never registered, never built.
  std::shared_ptr<const Recurrent> prototype_;
  std::shared_ptr<Recurrent> forward_, backward_;
};

}  // namespace nn
