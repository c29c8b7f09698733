#include "nn/layers/pooling.hpp"

#include "nn/layers/conv.hpp"

namespace nn {

Pooling2D::Pooling2D(Size2 pool_size, Pool2DOptions options, const char* type)
    : pool_size_(pool_size), options_(std::move(options)) {
  autodiff::check<autodiff::ValueError>(
      pool_size[0] > 0 && pool_size[1] > 0 && options_.strides[0] >= 0 && options_.strides[1] >= 0,
      "{}: pool size must be positive and strides non-negative; got [{}, {}] and [{}, {}]", type, pool_size[0],
      pool_size[1], options_.strides[0], options_.strides[1]);
  autodiff::check<autodiff::ValueError>(options_.padding == "valid" || options_.padding == "same",
                                        "{}: padding must be \"valid\" or \"same\"; got \"{}\"", type,
                                        options_.padding);
  input_shape_ = options_.input_shape;
}

Size2 Pooling2D::strides() const {
  return {options_.strides[0] ? options_.strides[0] : pool_size_[0],
          options_.strides[1] ? options_.strides[1] : pool_size_[1]};
}

Shape Pooling2D::output_shape(const Shape& in) const {
  autodiff::check<autodiff::ShapeError>(in.rank() == 3, "{}: expected rank 3 input [height, width, channels]; got {}",
                                        type(), in);
  const Size2 s = strides();
  const int64_t oh = window_output_size(in[0], pool_size_[0], s[0], 1, options_.padding);
  const int64_t ow = window_output_size(in[1], pool_size_[1], s[1], 1, options_.padding);
  autodiff::check<autodiff::ShapeError>(oh > 0 && ow > 0, "{}: a {}x{} pool does not fit the input; got {}", type(),
                                        pool_size_[0], pool_size_[1], in);
  return Shape{oh, ow, in[2]};
}

Var Pooling2D::checked(const Var& x) const {
  autodiff::check<autodiff::ShapeError>(x.rank() == 4, "{}: expected input [batch, height, width, channels]; got {}",
                                        type(), x.shape());
  return x;
}

namespace {
template <class F>
void fields(const F& f, Size2& pool_size, Pool2DOptions& o) {
  f("pool_size", pool_size);
  f("strides", o.strides);
  f("padding", o.padding);
  f("input_shape", o.input_shape);
}

template <class P>
std::shared_ptr<Layer> pooling_from_config(const LayerConfig& c) {
  Size2 pool_size{2, 2};
  Pool2DOptions o;
  fields(ConfigReader{c}, pool_size, o);
  return std::make_shared<P>(pool_size, o);
}
}  // namespace

LayerConfig Pooling2D::config() const {
  LayerConfig c(type());
  Size2 pool_size = pool_size_;
  Pool2DOptions o = options_;
  o.input_shape = input_shape_;
  fields(ConfigWriter{c}, pool_size, o);
  return c;
}

std::shared_ptr<Layer> MaxPooling2D::from_config(const LayerConfig& c) { return pooling_from_config<MaxPooling2D>(c); }
std::shared_ptr<Layer> AveragePooling2D::from_config(const LayerConfig& c) {
  return pooling_from_config<AveragePooling2D>(c);
}

}  // namespace nn
