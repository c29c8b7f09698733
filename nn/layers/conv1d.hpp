#pragma once
// Conv1D over [batch, steps, channels] inputs: y = activation(conv1d(x, kernel) + bias), kernel
// [kernel_size, in, filters] as Keras keeps it. It runs as conv2d on a height-1 image, so it shares that
// op's kernels and its gradients of every order.
#include <cstdint>
#include <optional>
#include <string>

#include "nn/layers/activation.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

struct Conv1DOptions {
  int64_t strides = 1;
  /// "valid" (no padding), "same" (out = ceil(steps / stride)) or "causal" (zeros before the first step only,
  /// so output t sees inputs up to t).
  std::string padding = "valid";
  int64_t dilation_rate = 1;
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  /// Per-sample input shape [steps, channels].
  std::optional<Shape> input_shape{};
};

class Conv1D : public LayerOf<Conv1D> {
 public:
  /// [steps, c] → [out_steps, filters].
  Conv1D(int64_t filters, int64_t kernel_size, Conv1DOptions options = {});
  std::string type() const override { return "Conv1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

  /// [kernel_size, in, filters]; IndexError before build.
  const Var& kernel() const { return parameter("kernel"); }
  /// [filters]; IndexError before build or without use_bias.
  const Var& bias() const { return parameter("bias"); }

 private:
  int64_t filters_;
  int64_t kernel_size_;
  Conv1DOptions options_;
  ActivationFn activation_;
};

}  // namespace nn
