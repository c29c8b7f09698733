#include "nn/layers/reshape.hpp"

#include <fmt/ranges.h>

#include "autodiff/ops/shape.hpp"

namespace nn {

Var Flatten::forward(const Var& x) {
  autodiff::check<autodiff::ShapeError>(x.rank() >= 1, "Flatten: input needs a batch axis; got {}", x.shape());
  return autodiff::reshape(x, Shape{x.size(0), x.numel() / std::max<int64_t>(x.size(0), 1)});
}

Reshape::Reshape(std::vector<int64_t> target_shape, std::optional<Shape> input_shape)
    : target_(std::move(target_shape)) {
  int64_t unknown = 0;
  for (int64_t d : target_) {
    unknown += d == -1;
    autodiff::check<autodiff::ValueError>(d == -1 || d > 0, "Reshape: extents must be positive or -1; got [{}]",
                                          fmt::join(target_, ", "));
  }
  autodiff::check<autodiff::ValueError>(unknown <= 1, "Reshape: at most one extent may be -1; got [{}]",
                                        fmt::join(target_, ", "));
  input_shape_ = std::move(input_shape);
}

Shape Reshape::output_shape(const Shape& in) const {
  std::vector<int64_t> out = target_;
  int64_t known = 1, unknown_at = -1;
  for (int64_t i = 0; i < int64_t(out.size()); ++i) {
    if (out[i] == -1)
      unknown_at = i;
    else
      known *= out[i];
  }
  if (unknown_at >= 0 && in.numel() % known == 0) out[size_t(unknown_at)] = in.numel() / known;
  const bool fits = (unknown_at < 0 || out[size_t(unknown_at)] > 0) && Shape(out).numel() == in.numel();
  autodiff::check<autodiff::ShapeError>(fits, "Reshape: cannot reshape {} into [{}]", in, fmt::join(target_, ", "));
  return Shape(out);
}

Var Reshape::forward(const Var& x) {
  Shape per_sample = x.shape();
  per_sample.erase(0);
  Shape out = output_shape(per_sample);
  out.insert(0, x.size(0));
  return autodiff::reshape(x, out);
}

LayerConfig Flatten::config() const {
  LayerConfig c(type());
  ConfigWriter{c}("input_shape", input_shape_);
  return c;
}

std::shared_ptr<Layer> Flatten::from_config(const LayerConfig& c) {
  std::optional<Shape> input_shape;
  ConfigReader{c}("input_shape", input_shape);
  return std::make_shared<Flatten>(input_shape);
}

LayerConfig Reshape::config() const {
  LayerConfig c(type());
  ConfigWriter{c}("target_shape", target_);
  ConfigWriter{c}("input_shape", input_shape_);
  return c;
}

std::shared_ptr<Layer> Reshape::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  std::optional<Shape> input_shape;
  r("input_shape", input_shape);
  return std::make_shared<Reshape>(r.required<std::vector<int64_t>>("target_shape"), input_shape);
}

}  // namespace nn
