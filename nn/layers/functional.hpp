#pragma once
// Functional: a model as a graph of layer calls (Keras' functional API), recorded from symbolic tensors:
//   auto x = nn::Input({784});
//   auto h = nn::Dense(64, {.activation = "relu"})(x);
//   auto y = nn::Dense(10, {.activation = "softmax"})(nn::Add()({h, nn::Dense(64)(x)}));
//   nn::Model model(x, y);   // wraps a Functional
// Construction walks the calls from the outputs back to the inputs (no recursion), orders them so every call
// comes after the calls it reads, names unnamed layers and inputs per model as Keras does ("dense_1",
// "input_1"), and registers each distinct layer once: a layer called twice shares its weights. forward_many
// runs the calls in that order. Shapes were checked and layers built when the calls were recorded.
#include <memory>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

/// The layer called `name` among `layers`; IndexError naming `model` and listing the names when absent.
Layer& find_layer(const std::vector<std::shared_ptr<Layer>>& layers, const std::string& name,
                  const std::string& model);

class Functional : public LayerOf<Functional> {
 public:
  Functional(SymbolicTensors inputs, SymbolicTensors outputs, std::string name = "");
  std::string type() const override { return "Functional"; }
  Shape output_shape(const Shape& input_shape) const override;
  std::vector<Shape> output_shapes(const std::vector<Shape>& input_shapes) const override;
  /// Nothing to build: every layer was built when its call was recorded.
  void build_many(const std::vector<Shape>&, autodiff::Generator&) override {}
  Var forward(const Var& x) override;
  std::vector<Var> forward_many(const std::vector<Var>& inputs) override;

  const std::vector<SymbolicTensor>& inputs() const { return inputs_; }
  const std::vector<SymbolicTensor>& outputs() const { return outputs_; }
  /// Every call, inputs first, each after the calls it reads.
  const std::vector<std::shared_ptr<LayerCall>>& calls() const { return calls_; }
  /// Each distinct layer once, in the order of its first call.
  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
  /// The layer called `name`; IndexError listing the names when absent.
  Layer& layer(const std::string& name) const;
  /// Names for the outputs in logs ("dense_2"; "<layer>_<k>" when one layer gives several outputs).
  std::vector<std::string> output_names() const;

 private:
  void order_calls();
  void name_layers();

  std::vector<SymbolicTensor> inputs_, outputs_;
  std::vector<std::shared_ptr<LayerCall>> calls_;
  std::vector<std::shared_ptr<Layer>> layers_;
  // For each call, where its inputs come from: (index into calls_, output index).
  std::vector<std::vector<std::pair<size_t, size_t>>> sources_;
  std::vector<std::pair<size_t, size_t>> output_sources_;
};

}  // namespace nn
