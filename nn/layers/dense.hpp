#pragma once
// Dense: y = activation(x·kernel + bias) on the last axis, kernel [in, units].
#include <cstdint>
#include <optional>
#include <string>

#include "nn/layers/activation.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

struct DenseOptions {
  std::string activation = "linear";
  bool use_bias = true;
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  /// Per-sample input shape (Keras `input_shape`), e.g. Shape{784}.
  std::optional<Shape> input_shape{};
};

class Dense : public LayerOf<Dense> {
 public:
  /// [..., in] → [..., units].
  explicit Dense(int64_t units, DenseOptions options = {});
  std::string type() const override { return "Dense"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// activation(matmul(x, kernel) + bias); builds from x on first use.
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

  int64_t units() const { return units_; }
  /// [in, units]; IndexError before build.
  const Var& kernel() const { return parameter("kernel"); }
  /// [units]; IndexError before build or without use_bias.
  const Var& bias() const { return parameter("bias"); }

 private:
  int64_t units_;
  DenseOptions options_;
  ActivationFn activation_;
};

}  // namespace nn
