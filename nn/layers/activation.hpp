#pragma once
// Activations by Keras name, each a composite of autodiff ops: the Activation layer applies one, and the
// `activation` option of Dense, Conv2D and the recurrent layers names one (softmax variants act on the last axis).
#include <functional>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

using ActivationFn = std::function<autodiff::Var(const autodiff::Var&)>;

/// The activation called `name` ("relu", "sigmoid", ...; "" and "linear" are the identity); ValueError lists the known
/// names.
ActivationFn activation(const std::string& name);
/// The known activation names, sorted.
std::vector<std::string> activation_names();


class Activation : public LayerOf<Activation> {
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
