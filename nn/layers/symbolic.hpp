#pragma once
// The functional API's symbolic tensors (Keras' KerasTensor): what Input() returns, and what a layer called on
// symbolic tensors returns. A symbolic tensor holds no data: its per-sample shape, its dtype and the layer call
// that made it. A model (nn/layers/functional.hpp) follows these records from its outputs back to its inputs.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/dtype.hpp"
#include "autodiff/shape.hpp"
#include "nn/one_or_many.hpp"

namespace nn {

class Layer;
struct LayerCall;

class SymbolicTensor {
 public:
  SymbolicTensor(std::shared_ptr<LayerCall> call, size_t index) : call_(std::move(call)), index_(index) {}
  /// Per-sample shape, without the batch axis.
  const autodiff::Shape& shape() const;
  autodiff::DType dtype() const;
  /// The call that made it, and which of that call's outputs it is.
  const std::shared_ptr<LayerCall>& call() const { return call_; }
  size_t index() const { return index_; }
  /// What made it, for errors and summaries: "input 'image'", "dense_1", "multi_head_attention_1[1]".
  std::string source() const;

 private:
  std::shared_ptr<LayerCall> call_;
  size_t index_;
};

/// One call of a layer on symbolic tensors: a node of a model's graph. An Input is a call without a layer.
struct LayerCall {
  std::shared_ptr<Layer> layer;
  std::vector<SymbolicTensor> inputs;
  std::vector<autodiff::Shape> output_shapes;
  autodiff::DType dtype = autodiff::DType::f32;
  /// An input's name ("input_1" unless given); the model names unnamed inputs.
  std::string input_name;
};

struct InputOptions {
  /// Empty: the model names it "input_<k>".
  std::string name{};
  autodiff::DType dtype = autodiff::DType::f32;
};

/// A model input of per-sample shape `shape`, as Keras' Input(shape).
SymbolicTensor Input(autodiff::Shape shape, InputOptions options = {});

/// One symbolic tensor or several, where a model takes either (Model(inputs, outputs)).
using SymbolicTensors = OneOrMany<SymbolicTensor>;

}  // namespace nn
