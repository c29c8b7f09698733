#include "nn/layers/position_embedding.hpp"

#include "autodiff/ops/indexing.hpp"
#include "autodiff/ops/shape.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;

PositionEmbedding::PositionEmbedding(int64_t sequence_length, PositionEmbeddingOptions options)
    : sequence_length_(sequence_length), initializer_(std::move(options.initializer)) {
  check<autodiff::ValueError>(sequence_length > 0, "PositionEmbedding: sequence_length must be positive; got {}",
                              sequence_length);
  input_shape_ = std::move(options.input_shape);
}

Shape PositionEmbedding::output_shape(const Shape& input_shape) const {
  check<autodiff::ShapeError>(input_shape.rank() == 2 && input_shape[0] <= sequence_length_,
                              "PositionEmbedding: needs [steps, features] with at most {} steps; got {}",
                              sequence_length_, input_shape);
  return input_shape;
}

void PositionEmbedding::build(const Shape& input_shape, autodiff::Generator& gen) {
  register_parameter("embeddings", initialize(initializer_, {sequence_length_, input_shape[1]}, gen, dtype()));
}

Var PositionEmbedding::forward(const Var& x) {
  check<autodiff::ShapeError>(x.rank() == 3, "PositionEmbedding: needs [batch, steps, features]; got {}", x.shape());
  ensure_built(x);
  Var table = parameter("embeddings");
  if (x.size(1) < sequence_length_) table = autodiff::slice(table, 0, 0, x.size(1));
  return autodiff::broadcast_to(autodiff::unsqueeze(table, 0), x.shape());
}

LayerConfig PositionEmbedding::config() const {
  LayerConfig c(type());
  const ConfigWriter w{c};
  w("sequence_length", sequence_length_);
  w("initializer", initializer_);
  w("input_shape", input_shape_);
  return c;
}

std::shared_ptr<Layer> PositionEmbedding::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  PositionEmbeddingOptions o;
  r("initializer", o.initializer);
  r("input_shape", o.input_shape);
  return std::make_shared<PositionEmbedding>(r.required<int64_t>("sequence_length"), o);
}

}  // namespace nn
