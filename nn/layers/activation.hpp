#pragma once
// Activation: applies a named activation element-wise (softmax variants on the last axis).
#include <string>

#include "nn/activations.hpp"
#include "nn/layer.hpp"

namespace nn {

class Activation : public Layer {
 public:
  /// Activation("relu"); unknown names throw ValueError listing the known ones.
  explicit Activation(std::string name);
  std::string type() const override { return "Activation"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Var forward(const Var& x) override { return fn_(x); }
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);

 private:
  std::string activation_name_;
  ActivationFn fn_;
};

}  // namespace nn
