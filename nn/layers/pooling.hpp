#pragma once
// MaxPooling2D and AveragePooling2D over NHWC inputs; no parameters.
#include <optional>
#include <string>

#include "autodiff/ops/conv.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

using autodiff::Size2;

struct Pool2DOptions {
  /// {0, 0} means the pool size, as Keras' strides=None.
  Size2 strides{0, 0};
  /// "valid" (Keras' default) or "same".
  std::string padding = "valid";
  /// Per-sample input shape [height, width, channels].
  std::optional<Shape> input_shape{};
};

/// The shared shape logic of the two pooling layers.
class Pooling2D : public Layer {
 public:
  /// [h, w, c] → [oh, ow, c].
  Shape output_shape(const Shape& input_shape) const override;
  Size2 pool_size() const { return pool_size_; }
  /// The strides used (the pool size when none were given).
  Size2 strides() const;
  LayerConfig config() const override;

 protected:
  Pooling2D(Size2 pool_size, Pool2DOptions options, const char* type);
  autodiff::Pool2dOptions op_options() const { return {.strides = strides(), .padding = options_.padding}; }
  Var checked(const Var& x) const;

  Size2 pool_size_;
  Pool2DOptions options_;
};

class MaxPooling2D : public LayerOf<MaxPooling2D, Pooling2D> {
 public:
  explicit MaxPooling2D(Size2 pool_size = {2, 2}, Pool2DOptions options = {})
      : LayerOf(pool_size, std::move(options), "MaxPooling2D") {}
  std::string type() const override { return "MaxPooling2D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  Var forward(const Var& x) override { return autodiff::max_pool2d(checked(x), pool_size_, op_options()); }
};

class AveragePooling2D : public LayerOf<AveragePooling2D, Pooling2D> {
 public:
  explicit AveragePooling2D(Size2 pool_size = {2, 2}, Pool2DOptions options = {})
      : LayerOf(pool_size, std::move(options), "AveragePooling2D") {}
  std::string type() const override { return "AveragePooling2D"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  Var forward(const Var& x) override { return autodiff::avg_pool2d(checked(x), pool_size_, op_options()); }
};

}  // namespace nn
