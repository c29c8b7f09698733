#pragma once
// Dropout: inverted dropout, active only in training(). Each kept element is
// scaled by 1 / (1 − rate) so that eval mode is the identity.
#include <cstdint>
#include <optional>

#include "autodiff/random.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

struct DropoutOptions {
  /// Seeds the layer's own generator; without one it is seeded from the model's generator at build.
  std::optional<uint64_t> seed{};
  std::optional<Shape> input_shape{};
};

class Dropout : public LayerOf<Dropout> {
 public:
  /// rate ∈ [0, 1): the fraction of elements zeroed in training.
  explicit Dropout(double rate, DropoutOptions options = {});
  std::string type() const override { return "Dropout"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// x·mask/(1 − rate) with mask ~ Bernoulli(1 − rate) in training; x in eval.
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  autodiff::Generator* random_generator() override { return &gen_; }
  double rate() const { return rate_; }

 private:
  double rate_;
  DropoutOptions options_;
  autodiff::Generator gen_;
};

}  // namespace nn
