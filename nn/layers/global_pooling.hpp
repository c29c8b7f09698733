#pragma once
// Keras' global pooling layers over channels_last inputs: the mean or the maximum over every step (1D:
// [steps, channels]) or pixel (2D: [height, width, channels]) of a sample, per channel; no parameters.
#include <optional>
#include <string>

#include "nn/layers/layer.hpp"

namespace nn {

struct GlobalPoolingOptions {
  /// Keep the pooled axes as extent 1 ([1, c] or [1, 1, c]) instead of dropping them ([c]).
  bool keepdims = false;
  std::optional<Shape> input_shape{};
};

/// What the four share: the rank (1D or 2D), the shapes, the config; forward reduces the spatial axes.
class GlobalPooling : public Layer {
 public:
  /// [steps, c] or [h, w, c] → [c] (keepdims: the spatial axes kept as 1).
  Shape output_shape(const Shape& input_shape) const override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  bool keepdims() const { return options_.keepdims; }

 protected:
  /// spatial_rank 1 or 2; `max` pools by the maximum, else by the mean.
  GlobalPooling(int64_t spatial_rank, bool max, GlobalPoolingOptions options);
  template <class P>
  static std::shared_ptr<Layer> make_from_config(const LayerConfig& config);

 private:
  int64_t spatial_rank_;
  bool max_;
  GlobalPoolingOptions options_;
};

class GlobalAveragePooling1D : public LayerOf<GlobalAveragePooling1D, GlobalPooling> {
 public:
  /// [steps, c] → [c].
  explicit GlobalAveragePooling1D(GlobalPoolingOptions options = {}) : LayerOf(1, false, std::move(options)) {}
  std::string type() const override { return "GlobalAveragePooling1D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
};

class GlobalAveragePooling2D : public LayerOf<GlobalAveragePooling2D, GlobalPooling> {
 public:
  /// [h, w, c] → [c].
  explicit GlobalAveragePooling2D(GlobalPoolingOptions options = {}) : LayerOf(2, false, std::move(options)) {}
  std::string type() const override { return "GlobalAveragePooling2D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
};

class GlobalMaxPooling1D : public LayerOf<GlobalMaxPooling1D, GlobalPooling> {
 public:
  /// [steps, c] → [c]; ties share the gradient evenly (autodiff::max).
  explicit GlobalMaxPooling1D(GlobalPoolingOptions options = {}) : LayerOf(1, true, std::move(options)) {}
  std::string type() const override { return "GlobalMaxPooling1D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
};

class GlobalMaxPooling2D : public LayerOf<GlobalMaxPooling2D, GlobalPooling> {
 public:
  /// [h, w, c] → [c]; ties share the gradient evenly (autodiff::max).
  explicit GlobalMaxPooling2D(GlobalPoolingOptions options = {}) : LayerOf(2, true, std::move(options)) {}
  std::string type() const override { return "GlobalMaxPooling2D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
};

}  // namespace nn
