#include "nn/layers/conv1d.hpp"

#include "autodiff/ops/conv.hpp"
#include "nn/layers/conv.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

Conv1D::Conv1D(int64_t filters, int64_t kernel_size, Conv1DOptions options)
    : filters_(filters),
      kernel_size_(kernel_size),
      options_(std::move(options)),
      activation_(activation(options_.activation)) {
  check<ValueError>(filters > 0 && kernel_size > 0, "Conv1D: filters and kernel_size must be positive; got {} and {}",
                    filters, kernel_size);
  check<ValueError>(options_.padding == "valid" || options_.padding == "same" || options_.padding == "causal",
                    "Conv1D: padding must be \"valid\", \"same\" or \"causal\"; got \"{}\"", options_.padding);
  check<ValueError>(options_.strides > 0 && options_.dilation_rate > 0,
                    "Conv1D: strides and dilation_rate must be positive; got {} and {}", options_.strides,
                    options_.dilation_rate);
  input_shape_ = options_.input_shape;
}

Shape Conv1D::output_shape(const Shape& in) const {
  check<ShapeError>(in.rank() == 2, "Conv1D: expected rank 2 input [steps, channels]; got {}", in);
  if (has_parameter("kernel"))
    check<ShapeError>(in[1] == kernel().size(1), "Conv1D: expected {} input channels; got {}", kernel().size(1), in);
  // Causal pads the front so that the output is as long as "same" makes it.
  const std::string padding = options_.padding == "causal" ? "same" : options_.padding;
  const int64_t steps = window_output_size(in[0], kernel_size_, options_.strides, options_.dilation_rate, padding);
  check<ShapeError>(steps > 0, "Conv1D: a kernel of size {} (dilation {}) does not fit the input; got {}", kernel_size_,
                    options_.dilation_rate, in);
  return Shape{steps, filters_};
}

void Conv1D::build(const Shape& in, autodiff::Generator& gen) {
  const Shape kernel_shape{kernel_size_, in[1], filters_};
  register_parameter("kernel", initialize(options_.kernel_initializer, kernel_shape, gen, dtype_));
  if (options_.use_bias)
    register_parameter("bias", initialize(options_.bias_initializer, Shape{filters_}, gen, dtype_));
}

// x [b, steps, c] as a [b, 1, steps, c] image and the kernel as [1, k, c, filters]: conv2d along the width.
Var Conv1D::forward(const Var& x) {
  check<ShapeError>(x.rank() == 3, "Conv1D: expected input [batch, steps, channels]; got {}", x.shape());
  (void)output_shape(Shape{x.size(1), x.size(2)});
  ensure_built(x);
  Var padded = x;
  std::string padding = options_.padding;
  if (padding == "causal") {
    padded = autodiff::pad(x, {{0, 0}, {options_.dilation_rate * (kernel_size_ - 1), 0}, {0, 0}});
    padding = "valid";
  }
  const Var image = autodiff::unsqueeze(padded, 1);
  const Var w = autodiff::unsqueeze(parameter("kernel"), 0);
  const autodiff::Conv2dOptions o{
      .strides = {1, options_.strides}, .dilation = {1, options_.dilation_rate}, .padding = padding};
  const Var y = options_.use_bias ? autodiff::conv2d(image, w, parameter("bias"), o) : autodiff::conv2d(image, w, o);
  return activation_(autodiff::squeeze(y, 1));
}

LayerConfig Conv1D::config() const {
  LayerConfig c(type());
  Conv1DOptions o = options_;
  o.input_shape = input_shape_;
  ConfigWriter{c}("filters", filters_);
  ConfigWriter{c}("kernel_size", kernel_size_);
  conv_fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> Conv1D::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  Conv1DOptions o;
  conv_fields(r, o);
  return std::make_shared<Conv1D>(r.required<int64_t>("filters"), r.required<int64_t>("kernel_size"), o);
}

}  // namespace nn
