#include "nn/layers/batch_norm.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

namespace {
// [C] → [1, …, C, …, 1] so that it broadcasts along `axis` of a rank-`rank` input.
Var along_axis(const Var& v, int64_t axis, int64_t rank) {
  Shape shape;
  for (int64_t i = 0; i < rank; ++i) shape.push_back(i == axis ? v.numel() : 1);
  return autodiff::reshape(v, shape);
}

autodiff::Axes all_axes_but(int64_t axis, int64_t rank) {
  autodiff::Axes axes;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) axes.push_back(i);
  return axes;
}
}  // namespace

Var batch_normalize(const Var& x, const Var& mean, const Var& variance, const Var& gamma, const Var& beta,
                    int64_t axis, double epsilon) {
  axis = autodiff::normalize_axis(axis, x.rank(), "batch_normalize");
  check<ShapeError>(mean.shape() == Shape{x.size(axis)} && variance.shape() == mean.shape(),
                    "batch_normalize: mean and variance must be [{}] for x {} on axis {}; got {} and {}", x.size(axis),
                    x.shape(), axis, mean.shape(), variance.shape());
  Var y = (x - along_axis(mean, axis, x.rank())) / autodiff::sqrt(along_axis(variance, axis, x.rank()) + epsilon);
  if (gamma.defined()) y = y * along_axis(gamma, axis, x.rank());
  if (beta.defined()) y = y + along_axis(beta, axis, x.rank());
  return y;
}

BatchNormResult batch_norm(const Var& x, const Var& gamma, const Var& beta, int64_t axis, double epsilon) {
  axis = autodiff::normalize_axis(axis, x.rank(), "batch_norm");
  const autodiff::Axes axes = all_axes_but(axis, x.rank());
  const Var mean = autodiff::mean(x, axes);
  const Var variance = autodiff::var(x, axes);
  return {batch_normalize(x, mean, variance, gamma, beta, axis, epsilon), mean, variance};
}

BatchNormalization::BatchNormalization(BatchNormOptions options) : options_(std::move(options)) {
  check<ValueError>(options_.momentum >= 0 && options_.momentum <= 1,
                    "BatchNormalization: momentum must be in [0, 1]; got {}", options_.momentum);
  check<ValueError>(options_.epsilon > 0, "BatchNormalization: epsilon must be positive; got {}", options_.epsilon);
  input_shape_ = std::move(options_.input_shape);
}

int64_t BatchNormalization::batched_axis(int64_t rank) const {
  const int64_t axis = options_.axis < 0 ? options_.axis + rank : options_.axis;
  check<ShapeError>(axis >= 1 && axis < rank, "BatchNormalization: axis {} is not a feature axis of a batched input of "
                    "rank {} (axis 0 is the batch)", options_.axis, rank);
  return axis;
}

Shape BatchNormalization::output_shape(const Shape& input_shape) const {
  check<ShapeError>(input_shape.rank() >= 1, "BatchNormalization: expected input [..., features]; got {}", input_shape);
  const int64_t axis = batched_axis(input_shape.rank() + 1);
  if (built())
    check<ShapeError>(input_shape[axis - 1] == moving_mean().numel(),
                      "BatchNormalization: built for {} features on axis {}; got input {}", moving_mean().numel(),
                      options_.axis, input_shape);
  return input_shape;
}

void BatchNormalization::build(const Shape& input_shape, autodiff::Generator&) {
  const Shape features{input_shape[batched_axis(input_shape.rank() + 1) - 1]};
  if (options_.scale) register_parameter("gamma", autodiff::ones(features, dtype()));
  if (options_.center) register_parameter("beta", autodiff::zeros(features, dtype()));
  register_parameter("moving_mean", autodiff::zeros(features, dtype()), /*trainable=*/false);
  register_parameter("moving_variance", autodiff::ones(features, dtype()), /*trainable=*/false);
}

Var BatchNormalization::forward(const Var& x) {
  check<ShapeError>(x.rank() >= 2, "BatchNormalization: expected input [batch, ..., features]; got {}", x.shape());
  Shape per_sample = x.shape();
  per_sample.erase(0);
  (void)output_shape(per_sample);
  ensure_built(x);
  const int64_t axis = batched_axis(x.rank());
  // Read through parameter() on every call, so that functional_call's substitutes are the ones used.
  const Var scale = options_.scale ? gamma() : Var();
  const Var offset = options_.center ? beta() : Var();
  if (!training()) return batch_normalize(x, moving_mean(), moving_variance(), scale, offset, axis, options_.epsilon);
  BatchNormResult batch = batch_norm(x, scale, offset, axis, options_.epsilon);
  update_moving(batch);
  return batch.y;
}

void BatchNormalization::update_moving(const BatchNormResult& batch) {
  autodiff::NoGrad no_grad;  // a running average of values, not part of the model's gradient
  const double m = options_.momentum;
  const Var& mean = moving_mean();
  const Var& variance = moving_variance();
  mean.set_value((mean * m + batch.mean.detach() * (1.0 - m)).value());
  variance.set_value((variance * m + batch.variance.detach() * (1.0 - m)).value());
}

namespace {
template <class F>
void fields(const F& f, BatchNormOptions& o) {
  f("axis", o.axis);
  f("momentum", o.momentum);
  f("epsilon", o.epsilon);
  f("center", o.center);
  f("scale", o.scale);
  f("input_shape", o.input_shape);
}
}  // namespace

LayerConfig BatchNormalization::config() const {
  LayerConfig c(type());
  BatchNormOptions o = options_;
  o.input_shape = input_shape_;  // the constructor moved options_.input_shape out
  fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> BatchNormalization::from_config(const LayerConfig& c) {
  BatchNormOptions o;
  fields(ConfigReader{c}, o);
  return std::make_shared<BatchNormalization>(o);
}

}  // namespace nn
