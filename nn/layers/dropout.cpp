#include "nn/layers/dropout.hpp"

#include "autodiff/ops/elementwise.hpp"
#include "autodiff/tensor_map.hpp"

namespace nn {

Dropout::Dropout(double rate, DropoutOptions options)
    : rate_(rate), options_(std::move(options)), gen_(options_.seed.value_or(0)) {
  autodiff::check<autodiff::ValueError>(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1); got {}", rate);
  input_shape_ = options_.input_shape;
}

void Dropout::build(const Shape&, autodiff::Generator& gen) {
  // Drawing the seed from the model's generator keeps two dropout layers of one model independent.
  if (!options_.seed) gen_.seed(gen.engine()());
}

Var Dropout::forward(const Var& x) {
  if (!training() || rate_ == 0) return x;
  ensure_built(x);
  const double keep = 1.0 - rate_, scale = 1.0 / keep;
  const Tensor u = autodiff::rand(x.shape(), gen_, x.dtype());
  // The mask is a constant: the gradient flows through x·mask only where the element was kept.
  const Tensor mask = autodiff::map(u, [&](auto v) { return v < keep ? scale : 0.0; });
  return x * Var(mask);
}

LayerConfig Dropout::config() const {
  LayerConfig c(type());
  const ConfigWriter w{c};
  w("rate", rate_);
  w("seed", options_.seed);
  w("input_shape", input_shape_);
  return c;
}

std::shared_ptr<Layer> Dropout::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  DropoutOptions o;
  r("seed", o.seed);
  r("input_shape", o.input_shape);
  return std::make_shared<Dropout>(r.required<double>("rate"), o);
}

}  // namespace nn
