#include "nn/layers/dense.hpp"

#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/linalg.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

Dense::Dense(int64_t units, DenseOptions options)
    : units_(units), options_(std::move(options)), activation_(activation(options_.activation)) {
  autodiff::check<autodiff::ValueError>(units > 0, "Dense: units must be positive; got {}", units);
  input_shape_ = options_.input_shape;
}

Shape Dense::output_shape(const Shape& input_shape) const {
  autodiff::check<autodiff::ShapeError>(input_shape.rank() >= 1,
                                        "Dense: expected an input of rank ≥ 1 (features last); got {}", input_shape);
  if (has_parameter("kernel"))
    autodiff::check<autodiff::ShapeError>(input_shape.back() == kernel().size(0),
                                          "Dense: expected {} input features (last axis); got {}", kernel().size(0),
                                          input_shape);
  Shape out = input_shape;
  out[out.rank() - 1] = units_;
  return out;
}

void Dense::build(const Shape& input_shape, autodiff::Generator& gen) {
  const Shape kernel_shape{input_shape.back(), units_};
  register_parameter("kernel", initialize(options_.kernel_initializer, kernel_shape, gen, dtype_));
  if (options_.use_bias) register_parameter("bias", initialize(options_.bias_initializer, Shape{units_}, gen, dtype_));
}

Var Dense::forward(const Var& x) {
  ensure_built(x);
  autodiff::check<autodiff::ShapeError>(x.rank() >= 2 && x.shape().back() == kernel().size(0),
                                        "Dense: expected input [batch, ..., {}]; got {}", kernel().size(0), x.shape());
  const Var& kernel = parameter("kernel");
  Var y;
  if (!options_.use_bias)
    y = autodiff::matmul(x, kernel);
  else if (x.rank() == 2)
    y = autodiff::addmm(parameter("bias"), x, kernel);  // the product accumulates onto the bias: no extra pass
  else
    y = autodiff::matmul(x, kernel) + parameter("bias");
  return activation_(y);
}

namespace {
// Dense's fields, listed once for both directions.
template <class F>
void fields(const F& f, DenseOptions& o) {
  f("activation", o.activation);
  f("use_bias", o.use_bias);
  f("kernel_initializer", o.kernel_initializer);
  f("bias_initializer", o.bias_initializer);
  f("input_shape", o.input_shape);
}
}  // namespace

LayerConfig Dense::config() const {
  LayerConfig c(type());
  DenseOptions o = options_;
  o.input_shape = input_shape_;
  ConfigWriter{c}("units", units_);
  fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> Dense::from_config(const LayerConfig& c) {
  DenseOptions o;
  fields(ConfigReader{c}, o);
  return std::make_shared<Dense>(ConfigReader{c}.required<int64_t>("units"), o);
}

}  // namespace nn
