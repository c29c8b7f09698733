#pragma once
// Conv2D over NHWC inputs: y = activation(conv2d(x, kernel) + bias), kernel [kh, kw, in, filters].
#include <cstdint>
#include <optional>
#include <string>

#include "autodiff/ops/conv.hpp"
#include "nn/layers/activation.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

using autodiff::Size2;

struct Conv2DOptions {
  Size2 strides{1, 1};
  /// "valid" (Keras' default: no padding) or "same" (out = ceil(in / stride)).
  std::string padding = "valid";
  Size2 dilation_rate{1, 1};
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  /// Per-sample input shape [height, width, channels], e.g. Shape{28, 28, 1}.
  std::optional<Shape> input_shape{};
};

/// The option fields Conv1D and Conv2D share, listed once for config() and from_config (nn/layers/config.hpp).
template <class F, class Options>
void conv_fields(const F& f, Options& o) {
  f("strides", o.strides);
  f("padding", o.padding);
  f("dilation_rate", o.dilation_rate);
  f("activation", o.activation);
  f("use_bias", o.use_bias);
  f("kernel_initializer", o.kernel_initializer);
  f("bias_initializer", o.bias_initializer);
  f("input_shape", o.input_shape);
}

class Conv2D : public LayerOf<Conv2D> {
 public:
  /// [h, w, c] → [oh, ow, filters].
  Conv2D(int64_t filters, Size2 kernel_size, Conv2DOptions options = {});
  std::string type() const override { return "Conv2D"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

  /// [kh, kw, in, filters]; IndexError before build.
  const Var& kernel() const { return parameter("kernel"); }
  /// [filters]; IndexError before build or without use_bias.
  const Var& bias() const { return parameter("bias"); }

 private:
  int64_t filters_;
  Size2 kernel_size_;
  Conv2DOptions options_;
  ActivationFn activation_;
};

/// Output extent of a window sweep like TensorFlow's: "same" → ceil(in / stride), "valid" →
/// floor((in − effective_window) / stride) + 1 (0 when the window does not fit).
int64_t window_output_size(int64_t in, int64_t window, int64_t stride, int64_t dilation, const std::string& padding);

}  // namespace nn
