#include "nn/layers/embedding.hpp"

#include <cmath>
#include <vector>

#include "autodiff/ops/indexing.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

Var embedding_lookup(const Tensor& ids, const Var& embeddings, std::string_view layer) {
  check<ShapeError>(embeddings.rank() == 2, "{}: embeddings must be [input_dim, output_dim]; got {}", layer,
                    embeddings.shape());
  const int64_t input_dim = embeddings.size(0);
  const std::vector<double> values = ids.to_vector();
  std::vector<int64_t> rows(values.size());
  for (size_t k = 0; k < values.size(); ++k) {
    const double id = values[k];
    check<ValueError>(std::isfinite(id) && id == std::floor(id) && id >= 0 && id < double(input_dim),
                      "{}: id {} at flat position {} is not an integer in [0, {}); ids {}", layer, id, k, input_dim,
                      ids.shape());
    rows[k] = static_cast<int64_t>(id);
  }
  Shape out_shape = ids.shape();
  out_shape.push_back(embeddings.size(1));
  return autodiff::reshape(autodiff::index_select(embeddings, 0, rows), out_shape);
}

Embedding::Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options)
    : input_dim_(input_dim), output_dim_(output_dim), initializer_(std::move(options.embeddings_initializer)) {
  check<ValueError>(input_dim > 0 && output_dim > 0, "Embedding: input_dim and output_dim must be positive; got {} and {}",
                    input_dim, output_dim);
  input_shape_ = std::move(options.input_shape);
}

Shape Embedding::output_shape(const Shape& input_shape) const {
  check<ShapeError>(input_shape.rank() + 2 <= autodiff::kMaxRank, "Embedding: input has too many axes; got {}",
                    input_shape);
  Shape out = input_shape;
  out.push_back(output_dim_);
  return out;
}

void Embedding::build(const Shape&, autodiff::Generator& gen) {
  const Shape shape{input_dim_, output_dim_};
  register_parameter("embeddings", initializer_ == "uniform"
                                                     ? autodiff::uniform(shape, -0.05, 0.05, gen, dtype())
                                                     : initialize(initializer_, shape, gen, dtype()));
}

Var Embedding::forward(const Var& ids) {
  check<ShapeError>(ids.rank() >= 1, "Embedding: input needs a batch axis; got {}", ids.shape());
  ensure_built(ids);
  const std::string label = name().empty() ? type() : fmt::format("{} '{}'", type(), name());
  return embedding_lookup(ids.value(), embeddings(), label);
}

LayerConfig Embedding::config() const {
  LayerConfig c(type());
  const ConfigWriter w{c};
  w("input_dim", input_dim_);
  w("output_dim", output_dim_);
  w("embeddings_initializer", initializer_);
  w("input_shape", input_shape_);
  return c;
}

std::shared_ptr<Layer> Embedding::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  EmbeddingOptions o;
  r("embeddings_initializer", o.embeddings_initializer);
  r("input_shape", o.input_shape);
  return std::make_shared<Embedding>(r.required<int64_t>("input_dim"), r.required<int64_t>("output_dim"), o);
}

}  // namespace nn
