#pragma once
// Keras Embedding: integer ids (held as floats, as every input is) → rows of a
// trainable [input_dim, output_dim] matrix, gathered with index_select so the
// gradient scatter-adds into the rows that were used.
#include <optional>
#include <string>
#include <string_view>

#include "nn/layers/layer.hpp"

namespace nn {

/// Rows of embeddings [input_dim, output_dim] at ids (any shape) → ids.shape + [output_dim]; ValueError
/// names `layer` and the first id that is not an integer in [0, input_dim).
Var embedding_lookup(const Tensor& ids, const Var& embeddings, std::string_view layer = "Embedding");

struct EmbeddingOptions {
  /// "uniform" is Keras' default, uniform in [-0.05, 0.05]; any nn::initialize name works too.
  std::string embeddings_initializer = "uniform";
  std::optional<Shape> input_shape{};
};

/// Keras Embedding: [seq] ids → [seq, output_dim].
class Embedding : public LayerOf<Embedding> {
 public:
  Embedding(int64_t input_dim, int64_t output_dim, EmbeddingOptions options = {});
  std::string type() const override { return "Embedding"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// ids [batch, ...] → [batch, ..., output_dim]; the ids carry no gradient.
  Var forward(const Var& ids) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return output_dim_; }
  /// [input_dim, output_dim]; IndexError before build.
  const Var& embeddings() const { return parameter("embeddings"); }

 private:
  int64_t input_dim_, output_dim_;
  std::string initializer_;
};

}  // namespace nn
