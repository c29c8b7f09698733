#include "nn/layers/global_pooling.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;

GlobalPooling::GlobalPooling(int64_t spatial_rank, bool max, GlobalPoolingOptions options)
    : spatial_rank_(spatial_rank), max_(max), options_(std::move(options)) {
  input_shape_ = options_.input_shape;
}

Shape GlobalPooling::output_shape(const Shape& in) const {
  check<ShapeError>(in.rank() == spatial_rank_ + 1, "{}: expected rank {} input {}; got {}", type(), spatial_rank_ + 1,
                    spatial_rank_ == 1 ? "[steps, channels]" : "[height, width, channels]", in);
  for (int64_t i = 0; i < spatial_rank_; ++i)
    check<ShapeError>(in[i] > 0, "{}: nothing to pool over; got {}", type(), in);
  Shape out;
  if (options_.keepdims)
    for (int64_t i = 0; i < spatial_rank_; ++i) out.push_back(1);
  out.push_back(in.back());
  return out;
}

Var GlobalPooling::forward(const Var& x) {
  check<ShapeError>(x.rank() == spatial_rank_ + 2, "{}: expected input {}; got {}", type(),
                    spatial_rank_ == 1 ? "[batch, steps, channels]" : "[batch, height, width, channels]", x.shape());
  Shape per_sample = x.shape();
  per_sample.erase(0);
  (void)output_shape(per_sample);
  autodiff::Axes axes;
  for (int64_t i = 1; i <= spatial_rank_; ++i) axes.push_back(i);
  return max_ ? autodiff::max(x, axes, options_.keepdims) : autodiff::mean(x, axes, options_.keepdims);
}

namespace {
template <class F>
void fields(const F& f, GlobalPoolingOptions& o) {
  f("keepdims", o.keepdims);
  f("input_shape", o.input_shape);
}
}  // namespace

LayerConfig GlobalPooling::config() const {
  LayerConfig c(type());
  GlobalPoolingOptions o = options_;
  o.input_shape = input_shape_;
  fields(ConfigWriter{c}, o);
  return c;
}

template <class P>
std::shared_ptr<Layer> GlobalPooling::make_from_config(const LayerConfig& c) {
  GlobalPoolingOptions o;
  fields(ConfigReader{c}, o);
  return std::make_shared<P>(o);
}

std::shared_ptr<Layer> GlobalAveragePooling1D::from_config(const LayerConfig& c) {
  return make_from_config<GlobalAveragePooling1D>(c);
}
std::shared_ptr<Layer> GlobalAveragePooling2D::from_config(const LayerConfig& c) {
  return make_from_config<GlobalAveragePooling2D>(c);
}
std::shared_ptr<Layer> GlobalMaxPooling1D::from_config(const LayerConfig& c) {
  return make_from_config<GlobalMaxPooling1D>(c);
}
std::shared_ptr<Layer> GlobalMaxPooling2D::from_config(const LayerConfig& c) {
  return make_from_config<GlobalMaxPooling2D>(c);
}

}  // namespace nn
