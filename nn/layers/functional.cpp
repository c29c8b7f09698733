#include "nn/layers/functional.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <unordered_map>

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

Functional::Functional(SymbolicTensors inputs, SymbolicTensors outputs, std::string name)
    : inputs_(std::move(inputs.items)), outputs_(std::move(outputs.items)) {
  check<ValueError>(!inputs_.empty() && !outputs_.empty(), "Functional: needs inputs and outputs; got {} and {}",
                    inputs_.size(), outputs_.size());
  for (const SymbolicTensor& x : inputs_)
    check<ValueError>(!x.call()->layer, "Functional: a model's inputs come from nn::Input; got the output of {}",
                      x.source());
  order_calls();
  name_layers();
  input_shape_ = inputs_.size() == 1 ? std::optional<Shape>(inputs_[0].shape()) : std::nullopt;
  set_dtype(inputs_[0].dtype());
  std::vector<Shape> shapes;
  for (const SymbolicTensor& x : inputs_) shapes.push_back(x.shape());
  ensure_built_many(shapes, autodiff::default_generator());  // the layers were; this marks the model so
  set_name(std::move(name));  // after building, which would prefix every parameter's Var name with it
}

void Functional::order_calls() {
  std::unordered_map<const LayerCall*, size_t> index;
  for (const SymbolicTensor& x : inputs_) {
    check<ValueError>(!index.contains(x.call().get()), "Functional: input {} is given twice", x.source());
    index[x.call().get()] = calls_.size();
    calls_.push_back(x.call());
  }
  // Depth-first from each output, a call placed once all the calls it reads are; an explicit stack, so a graph
  // of any depth (an unrolled sequence of thousands of calls) cannot overflow the machine's.
  std::vector<std::pair<std::shared_ptr<LayerCall>, size_t>> stack;
  for (const SymbolicTensor& out : outputs_) {
    if (!index.contains(out.call().get())) stack.emplace_back(out.call(), 0);
    while (!stack.empty()) {
      auto& [call, next] = stack.back();
      if (next < call->inputs.size()) {
        std::shared_ptr<LayerCall> in = call->inputs[next++].call();
        if (!index.contains(in.get())) {
          check<ValueError>(in->layer != nullptr,
                            "Functional: the outputs depend on input '{}', which is not among the model's inputs",
                            in->input_name);
          stack.emplace_back(std::move(in), 0);
        }
        continue;
      }
      index[call.get()] = calls_.size();
      calls_.push_back(call);
      stack.pop_back();
    }
  }
  std::set<const Layer*> seen;
  for (const auto& call : calls_) {
    std::vector<std::pair<size_t, size_t>> from;
    for (const SymbolicTensor& x : call->inputs) from.emplace_back(index.at(x.call().get()), x.index());
    sources_.push_back(std::move(from));
    if (call->layer && seen.insert(call->layer.get()).second) layers_.push_back(call->layer);
  }
  for (const SymbolicTensor& out : outputs_) output_sources_.emplace_back(index.at(out.call().get()), out.index());
}

void Functional::name_layers() {
  // Keras' names, counted per model: unnamed layers become "<snake_case type>_<k>", unnamed inputs "input_<k>".
  std::set<std::string> taken;
  for (const auto& layer : layers_) {
    if (layer->name().empty()) continue;
    check<ValueError>(taken.insert(layer->name()).second, "Functional: two layers are named '{}'", layer->name());
  }
  std::map<std::string, int> counts;
  auto fresh = [&](const std::string& stem) {
    std::string name;
    do name = fmt::format("{}_{}", stem, ++counts[stem]);
    while (taken.contains(name));
    taken.insert(name);
    return name;
  };
  for (const auto& layer : layers_) {
    if (layer->name().empty()) layer->set_name(fresh(snake_case(layer->type())));
    register_module(layer->name(), layer);
    layer->name_parameters(layer->name());
  }
  for (const SymbolicTensor& x : inputs_)
    if (x.call()->input_name.empty()) x.call()->input_name = fresh("input");
}

Shape Functional::output_shape(const Shape& input_shape) const {
  const std::vector<Shape> shapes = output_shapes({input_shape});
  check<ValueError>(shapes.size() == 1, "{}: the model has {} outputs", name(), shapes.size());
  return shapes[0];
}

std::vector<Shape> Functional::output_shapes(const std::vector<Shape>& input_shapes) const {
  check<ValueError>(input_shapes.size() == inputs_.size(), "{}: the model takes {} inputs; got {}", name(),
                    inputs_.size(), input_shapes.size());
  for (size_t i = 0; i < inputs_.size(); ++i)
    check<ShapeError>(input_shapes[i] == inputs_[i].shape(), "{}: input '{}' has shape {} per sample; got {}",
                      name(), inputs_[i].call()->input_name, inputs_[i].shape(), input_shapes[i]);
  std::vector<Shape> out;
  for (const SymbolicTensor& y : outputs_) out.push_back(y.shape());
  return out;
}

Var Functional::forward(const Var& x) {
  std::vector<Var> out = forward_many({x});
  check<ValueError>(out.size() == 1, "{}: the model has {} outputs; use forward_many", name(), out.size());
  return out[0];
}

std::vector<Var> Functional::forward_many(const std::vector<Var>& inputs) {
  check<ValueError>(inputs.size() == inputs_.size(), "{}: the model takes {} inputs; got {}", name(), inputs_.size(),
                    inputs.size());
  std::vector<std::vector<Var>> values(calls_.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    Shape per_sample = inputs[i].shape();
    if (per_sample.rank() >= 1) per_sample.erase(0);
    check<ShapeError>(inputs[i].rank() >= 1 && per_sample == inputs_[i].shape(),
                      "{}: input '{}' takes {} per sample after the batch axis; got {}", name(), calls_[i]->input_name,
                      inputs_[i].shape(), inputs[i].shape());
    values[i] = {inputs[i]};
  }
  for (size_t c = inputs.size(); c < calls_.size(); ++c) {
    std::vector<Var> in;
    for (const auto& [call, index] : sources_[c]) in.push_back(values[call][index]);
    values[c] = in.size() == 1 && calls_[c]->output_shapes.size() == 1 ? std::vector<Var>{calls_[c]->layer->call(in[0])}
                                                                       : calls_[c]->layer->call_many(in);
  }
  std::vector<Var> out;
  for (const auto& [call, index] : output_sources_) out.push_back(values[call][index]);
  return out;
}

Layer& find_layer(const std::vector<std::shared_ptr<Layer>>& layers, const std::string& name,
                  const std::string& model) {
  std::string known;
  for (const auto& l : layers) {
    if (l->name() == name) return *l;
    known += (known.empty() ? "" : ", ") + l->name();
  }
  throw autodiff::IndexError(fmt::format("{}: no layer named '{}'; got {}", model, name, known));
}

Layer& Functional::layer(const std::string& name) const { return find_layer(layers_, name, this->name()); }

std::vector<std::string> Functional::output_names() const {
  std::vector<std::string> names;
  for (const SymbolicTensor& y : outputs_) {
    const LayerCall& call = *y.call();
    names.push_back(!call.layer                       ? call.input_name
                    : call.output_shapes.size() == 1 ? call.layer->name()
                                                     : fmt::format("{}_{}", call.layer->name(), y.index()));
  }
  return names;
}

}  // namespace nn
