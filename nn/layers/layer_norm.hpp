#pragma once
// Keras LayerNormalization: each sample normalized by its own mean and (biased) variance over `axis`, then
// scaled by gamma and offset by beta. Unlike BatchNormalization nothing depends on the batch, so training
// and inference are the same and there are no moving statistics.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

struct LayerNormOptions {
  /// The normalized axes, counted on the batched input (−1: the last; 0, the batch, is not allowed).
  std::vector<int64_t> axis{-1};
  double epsilon = 1e-3;
  /// Whether beta (an offset) is learned.
  bool center = true;
  /// Whether gamma (a scale) is learned.
  bool scale = true;
  std::string beta_initializer = "zeros";
  std::string gamma_initializer = "ones";
  std::optional<Shape> input_shape{};
};

/// (x − mean) / √(variance + ε) · gamma + beta over `axis` of each sample; gamma and beta have the extents of
/// those axes. Shape-preserving.
class LayerNormalization : public LayerOf<LayerNormalization> {
 public:
  explicit LayerNormalization(LayerNormOptions options = {});
  std::string type() const override { return "LayerNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  /// The normalized axes' extents; IndexError before build or without scale.
  const Var& gamma() const { return parameter("gamma"); }
  /// The normalized axes' extents; IndexError before build or without center.
  const Var& beta() const { return parameter("beta"); }

 private:
  /// `axis` as sorted indices into the batched input; ShapeError naming the shape when one is off.
  std::vector<int64_t> batched_axes(const Shape& per_sample) const;
  Shape normalized_shape(const Shape& per_sample) const;

  LayerNormOptions options_;
};

}  // namespace nn
