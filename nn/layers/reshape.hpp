#pragma once
// Flatten and Reshape: per-sample shape changes; the batch axis is kept.
#include <cstdint>
#include <optional>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

class Flatten : public LayerOf<Flatten> {
 public:
  /// Optional per-sample input shape, as Keras' Flatten(input_shape=...).
  explicit Flatten(std::optional<Shape> input_shape = std::nullopt) { input_shape_ = std::move(input_shape); }
  std::string type() const override { return "Flatten"; }
  /// [d0, d1, ...] → [d0·d1·...].
  Shape output_shape(const Shape& input_shape) const override { return Shape{input_shape.numel()}; }
  /// [batch, ...] → [batch, rest].
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
};

class Reshape : public LayerOf<Reshape> {
 public:
  /// Per-sample target shape; one extent may be −1 (inferred).
  explicit Reshape(std::vector<int64_t> target_shape, std::optional<Shape> input_shape = std::nullopt);
  std::string type() const override { return "Reshape"; }
  Shape output_shape(const Shape& input_shape) const override;
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

 private:
  std::vector<int64_t> target_;
};

}  // namespace nn
