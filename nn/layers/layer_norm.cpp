#include "nn/layers/layer_norm.hpp"

#include <fmt/ranges.h>

#include <algorithm>

#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

LayerNormalization::LayerNormalization(LayerNormOptions options) : options_(std::move(options)) {
  check<ValueError>(!options_.axis.empty(), "LayerNormalization: axis must name at least one axis");
  check<ValueError>(options_.epsilon > 0, "LayerNormalization: epsilon must be positive; got {}", options_.epsilon);
  input_shape_ = options_.input_shape;
}

std::vector<int64_t> LayerNormalization::batched_axes(const Shape& per_sample) const {
  const int64_t rank = per_sample.rank() + 1;
  std::vector<int64_t> axes;
  for (const int64_t a : options_.axis) {
    const int64_t axis = a < 0 ? a + rank : a;
    check<ShapeError>(axis >= 1 && axis < rank,
                      "LayerNormalization: axis {} is not a feature axis (1 to {} or −1 to −{}; 0 is the batch) of "
                      "an input {} per sample",
                      a, rank - 1, rank - 1, per_sample);
    check<ShapeError>(std::find(axes.begin(), axes.end(), axis) == axes.end(),
                      "LayerNormalization: axis {} is named twice; got axis {}", a, options_.axis);
    axes.push_back(axis);
  }
  std::sort(axes.begin(), axes.end());
  return axes;
}

// The extents of the normalized axes: gamma's and beta's shape.
Shape LayerNormalization::normalized_shape(const Shape& per_sample) const {
  Shape normalized;
  for (const int64_t a : batched_axes(per_sample)) normalized.push_back(per_sample[a - 1]);
  return normalized;
}

Shape LayerNormalization::output_shape(const Shape& input_shape) const {
  check<ShapeError>(input_shape.rank() >= 1, "LayerNormalization: expected input [..., features]; got {}", input_shape);
  const Shape normalized = normalized_shape(input_shape);
  const NamedParams params = named_parameters();
  if (!params.empty())
    check<ShapeError>(params.front().second.shape() == normalized,
                      "LayerNormalization: built for extents {} on axis {}; got input {}",
                      params.front().second.shape(), options_.axis, input_shape);
  return input_shape;
}

void LayerNormalization::build(const Shape& input_shape, autodiff::Generator& gen) {
  const Shape normalized = normalized_shape(input_shape);
  if (options_.scale) register_parameter("gamma", initialize(options_.gamma_initializer, normalized, gen, dtype()));
  if (options_.center) register_parameter("beta", initialize(options_.beta_initializer, normalized, gen, dtype()));
}

Var LayerNormalization::forward(const Var& x) {
  check<ShapeError>(x.rank() >= 2, "LayerNormalization: expected input [batch, ..., features]; got {}", x.shape());
  Shape per_sample = x.shape();
  per_sample.erase(0);
  (void)output_shape(per_sample);
  ensure_built(x);
  const std::vector<int64_t> axes = batched_axes(per_sample);
  // gamma and beta [extents of axes] broadcast as [1, …, d, …, 1] with the other axes kept as 1.
  Shape broadcast;
  for (int64_t i = 0; i < x.rank(); ++i)
    broadcast.push_back(std::find(axes.begin(), axes.end(), i) != axes.end() ? x.size(i) : 1);
  const Var mean = autodiff::mean(x, axes, /*keepdims=*/true);
  const Var variance = autodiff::var(x, axes, /*keepdims=*/true);  // biased, as Keras and torch
  Var y = (x - mean) * autodiff::pow(variance + options_.epsilon, -0.5);
  if (options_.scale) y = y * autodiff::reshape(gamma(), broadcast);
  if (options_.center) y = y + autodiff::reshape(beta(), broadcast);
  return y;
}

namespace {
template <class F>
void fields(const F& f, LayerNormOptions& o) {
  f("axis", o.axis);
  f("epsilon", o.epsilon);
  f("center", o.center);
  f("scale", o.scale);
  f("beta_initializer", o.beta_initializer);
  f("gamma_initializer", o.gamma_initializer);
  f("input_shape", o.input_shape);
}
}  // namespace

LayerConfig LayerNormalization::config() const {
  LayerConfig c(type());
  LayerNormOptions o = options_;
  o.input_shape = input_shape_;
  fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> LayerNormalization::from_config(const LayerConfig& c) {
  LayerNormOptions o;
  fields(ConfigReader{c}, o);
  return std::make_shared<LayerNormalization>(o);
}

}  // namespace nn
