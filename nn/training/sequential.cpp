#include "nn/training/sequential.hpp"

#include <fmt/format.h>

#include "nn/training/summary.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;

Sequential::Sequential(std::initializer_list<LayerHandle> layers) {
  for (const LayerHandle& l : layers) add(l);
}

void Sequential::add(LayerHandle handle) {
  std::shared_ptr<Layer> layer = handle.get();
  check<autodiff::ValueError>(layer != nullptr, "Sequential: cannot add a null layer");
  if (layer->name().empty())
    layer->set_name(fmt::format("{}_{}", snake_case(layer->type()), ++type_counts_[layer->type()]));
  for (const auto& other : layers_)
    check<autodiff::ValueError>(other->name() != layer->name() && other != layer,
                                "Sequential: a layer named '{}' is already in the model", layer->name());
  register_module(layer->name(), layer);
  layers_.push_back(layer);
  if (layers_.size() == 1 && layer->declared_input_shape()) input_shape_ = *layer->declared_input_shape();
  if (input_shape_) {
    build_layer(layers_.size() - 1, layer->dtype());
    if (output_shapes_.size() == layers_.size()) set_model_built();
  }
}

void Sequential::build_layer(size_t i, autodiff::DType dtype) {
  Layer& layer = *layers_[i];
  const Shape in = i == 0 ? *input_shape_ : output_shapes_[i - 1];
  const std::string from =
      i == 0 ? "the model input" : fmt::format("'{}' ({})", layers_[i - 1]->name(), layers_[i - 1]->type());
  const auto& declared = layer.declared_input_shape();
  check<ShapeError>(!declared || *declared == in,
                    "Sequential: layer '{}' ({}) declares input_shape {} but {} has shape {}", layer.name(),
                    layer.type(), *declared, from, in);
  try {
    if (!layer.built()) layer.set_dtype(dtype);
    layer.ensure_built(in, generator());
    output_shapes_.push_back(layer.output_shape(in));
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("Sequential: layer '{}' ({}) cannot take the output of {}, shape {}: {}", layer.name(),
                                 layer.type(), from, in, e.what()));
  }
  layer.name_parameters(layer.name());
}

void Sequential::build(const Shape& input_shape, autodiff::DType dtype) {
  check<ShapeError>(!input_shape_ || *input_shape_ == input_shape,
                    "Sequential: the model was built for inputs {} per sample; got {}", *input_shape_, input_shape);
  input_shape_ = input_shape;
  for (size_t i = output_shapes_.size(); i < layers_.size(); ++i) build_layer(i, dtype);
  set_model_built();
}

Var Sequential::forward(const Var& x) {
  check<autodiff::ValueError>(!layers_.empty(), "Sequential: the model has no layers; add some first");
  if (!model_built()) {
    Shape per_sample = x.shape();
    per_sample.erase(0);
    build(per_sample, x.dtype());
  }
  Var y = x;
  for (const auto& layer : layers_) y = layer->call(y);
  return y;
}

Layer& Sequential::layer(const std::string& name) const { return find_layer(layers_, name, "Sequential"); }

Shape Sequential::output_shape() const {
  check<autodiff::ValueError>(model_built() && !output_shapes_.empty(), "Sequential: the model is not built yet");
  return output_shapes_.back();
}

std::string Sequential::summary() const {
  check<autodiff::ValueError>(model_built(),
                              "Sequential: summary needs a built model: give the first layer an input_shape, or call "
                              "build, fit or predict first");
  std::vector<SummaryRow> rows;
  for (size_t i = 0; i < layers_.size(); ++i) {
    rows.push_back({fmt::format("{} ({})", layers_[i]->name(), layers_[i]->type()), shape_text(output_shapes_[i]),
                    layers_[i]->count_params()});
  }
  return format_summary(model_name(), rows, count_params(), count_trainable_params());
}

void Sequential::build_if_shape_known() {
  if (!model_built() && input_shape_ && !layers_.empty()) build(*input_shape_, layers_.front()->dtype());
}

}  // namespace nn
