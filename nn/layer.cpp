#include "nn/layer.hpp"

namespace nn {

void Layer::ensure_built(const Shape& input_shape, autodiff::Generator& gen) {
  if (built_) return;
  // Shape errors surface before any parameter exists, so a failed build leaves the layer untouched.
  (void)output_shape(input_shape);
  build(input_shape, gen);
  built_ = true;
  name_parameters(name_);
}

void Layer::ensure_built(const Var& x) {
  if (built_) return;
  autodiff::check<autodiff::ShapeError>(x.rank() >= 1, "{}: input needs a batch axis; got {}", type(), x.shape());
  Shape per_sample = x.shape();
  per_sample.erase(0);
  dtype_ = x.dtype();
  ensure_built(per_sample, autodiff::default_generator());
}

}  // namespace nn
