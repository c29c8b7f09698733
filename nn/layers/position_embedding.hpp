#pragma once
// PositionEmbedding (keras_hub's): a learned vector for each position of a sequence. Called on [T, d] tokens it
// returns the first T of its [sequence_length, d] vectors, one copy per sample, to be added to the tokens:
//   auto x = nn::Add()({tokens, nn::PositionEmbedding(28)(tokens)});
#include <memory>
#include <optional>
#include <string>

#include "nn/layers/layer.hpp"

namespace nn {

struct PositionEmbeddingOptions {
  std::string initializer = "glorot_uniform";
  std::optional<Shape> input_shape{};
};

class PositionEmbedding : public LayerOf<PositionEmbedding> {
 public:
  explicit PositionEmbedding(int64_t sequence_length, PositionEmbeddingOptions options = {});
  std::string type() const override { return "PositionEmbedding"; }
  /// [T, d] with T ≤ sequence_length → [T, d].
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

 private:
  int64_t sequence_length_;
  std::string initializer_;
};

}  // namespace nn
