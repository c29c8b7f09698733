#pragma once
// Sequential: Keras' builder for a stack of layers.
//   Sequential model;
//   model.add(Dense(500, {.activation = "sigmoid", .input_shape = Shape{784}}));
//   Sequential model{Conv2D(10, {3, 3}, {.input_shape = Shape{28, 28, 1}}), Flatten(), Dense(10)};
// Layers get Keras names per type ("dense_1", "dense_2", "conv2d_1"). When the
// first layer declares input_shape, each add() infers and checks shapes and
// builds at once; otherwise the first fit/predict/build does, from the data.
// A shape mismatch names both layers and both shapes before any data flows.
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/handle.hpp"
#include "nn/layers/layer.hpp"
#include "nn/training/model.hpp"

namespace nn {

/// A layer passed by value (moved into the model) or by shared_ptr (to keep a handle to it).
using LayerHandle = Handle<Layer>;

class Sequential : public Model {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<LayerHandle> layers);
  /// Appends a layer, naming it and, when shapes are known, building it.
  void add(LayerHandle layer);

  /// Applies the layers in order.
  Var forward(const Var& x) override;
  /// Infers every layer's shapes from this per-sample input shape and builds the layers in `dtype`.
  void build(const Shape& input_shape, autodiff::DType dtype = autodiff::DType::f32) override;
  std::string summary() const override;
  using Model::summary;
  std::string model_name() const override { return "sequential"; }

  const std::vector<std::shared_ptr<Layer>>& layers() const { return layers_; }
  /// The layer called `name`; IndexError listing the names when absent.
  Layer& layer(const std::string& name) const;
  /// Per-sample input shape, once known.
  const std::optional<Shape>& input_shape() const { return input_shape_; }
  void build_if_shape_known() override;
  /// Per-sample output shape, once built.
  Shape output_shape() const;

 private:
  /// Checks and builds layer i on the previous layer's output (or the model input).
  void build_layer(size_t i, autodiff::DType dtype);

  std::vector<std::shared_ptr<Layer>> layers_;
  std::vector<Shape> output_shapes_;  // per built layer
  std::optional<Shape> input_shape_;
  std::map<std::string, int> type_counts_;
};

}  // namespace nn
