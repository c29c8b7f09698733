#include "nn/layers/conv.hpp"

#include "autodiff/ops/elementwise.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

int64_t window_output_size(int64_t in, int64_t window, int64_t stride, int64_t dilation, const std::string& padding) {
  if (padding == "same") return (in + stride - 1) / stride;
  const int64_t effective = dilation * (window - 1) + 1;
  return in < effective ? 0 : (in - effective) / stride + 1;
}

Conv2D::Conv2D(int64_t filters, Size2 kernel_size, Conv2DOptions options)
    : filters_(filters),
      kernel_size_(kernel_size),
      options_(std::move(options)),
      activation_(activation(options_.activation)) {
  autodiff::check<autodiff::ValueError>(filters > 0 && kernel_size[0] > 0 && kernel_size[1] > 0,
                                        "Conv2D: filters and kernel size must be positive; got {} and [{}, {}]",
                                        filters, kernel_size[0], kernel_size[1]);
  autodiff::check<autodiff::ValueError>(options_.padding == "valid" || options_.padding == "same",
                                        "Conv2D: padding must be \"valid\" or \"same\"; got \"{}\"", options_.padding);
  for (int64_t s : {options_.strides[0], options_.strides[1], options_.dilation_rate[0], options_.dilation_rate[1]})
    autodiff::check<autodiff::ValueError>(s > 0, "Conv2D: strides and dilation_rate must be positive; got {}", s);
  input_shape_ = options_.input_shape;
}

Shape Conv2D::output_shape(const Shape& in) const {
  autodiff::check<autodiff::ShapeError>(in.rank() == 3,
                                        "Conv2D: expected rank 3 input [height, width, channels]; got {}", in);
  if (has_parameter("kernel"))
    autodiff::check<autodiff::ShapeError>(in[2] == kernel().size(2), "Conv2D: expected {} input channels; got {}",
                                          kernel().size(2), in);
  const int64_t oh =
      window_output_size(in[0], kernel_size_[0], options_.strides[0], options_.dilation_rate[0], options_.padding);
  const int64_t ow =
      window_output_size(in[1], kernel_size_[1], options_.strides[1], options_.dilation_rate[1], options_.padding);
  autodiff::check<autodiff::ShapeError>(oh > 0 && ow > 0, "Conv2D: a {}x{} kernel does not fit the input; got {}",
                                        kernel_size_[0], kernel_size_[1], in);
  return Shape{oh, ow, filters_};
}

void Conv2D::build(const Shape& in, autodiff::Generator& gen) {
  const Shape kernel_shape{kernel_size_[0], kernel_size_[1], in[2], filters_};
  register_parameter("kernel", initialize(options_.kernel_initializer, kernel_shape, gen, dtype_));
  if (options_.use_bias)
    register_parameter("bias", initialize(options_.bias_initializer, Shape{filters_}, gen, dtype_));
}

Var Conv2D::forward(const Var& x) {
  ensure_built(x);
  autodiff::check<autodiff::ShapeError>(x.rank() == 4,
                                        "Conv2D: expected input [batch, height, width, channels]; got {}", x.shape());
  const autodiff::Conv2dOptions o{
      .strides = options_.strides, .dilation = options_.dilation_rate, .padding = options_.padding};
  return activation_(options_.use_bias ? autodiff::conv2d(x, parameter("kernel"), parameter("bias"), o)
                                       : autodiff::conv2d(x, parameter("kernel"), o));
}

LayerConfig Conv2D::config() const {
  LayerConfig c(type());
  Conv2DOptions o = options_;
  o.input_shape = input_shape_;
  ConfigWriter{c}("filters", filters_);
  ConfigWriter{c}("kernel_size", kernel_size_);
  conv_fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> Conv2D::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  Conv2DOptions o;
  conv_fields(r, o);
  return std::make_shared<Conv2D>(r.required<int64_t>("filters"), r.required<Size2>("kernel_size"), o);
}

}  // namespace nn
