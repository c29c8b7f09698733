// Symbolic tensors, and Layer's calls on them (declared in layer.hpp): the functional API's construction time,
// where shapes are checked and layers built before any data flows.
#include "nn/layers/symbolic.hpp"

#include <fmt/format.h>

#include "nn/layers/layer.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

const Shape& SymbolicTensor::shape() const { return call_->output_shapes.at(index_); }

autodiff::DType SymbolicTensor::dtype() const { return call_->dtype; }

std::string SymbolicTensor::source() const {
  if (!call_->layer) return fmt::format("input '{}'", call_->input_name);
  const Layer& layer = *call_->layer;
  const std::string name = layer.name().empty() ? layer.type() : fmt::format("'{}' ({})", layer.name(), layer.type());
  return call_->output_shapes.size() == 1 ? name : fmt::format("{}[{}]", name, index_);
}

SymbolicTensor Input(Shape shape, InputOptions options) {
  auto call = std::make_shared<LayerCall>();
  call->output_shapes = {std::move(shape)};
  call->dtype = options.dtype;
  call->input_name = std::move(options.name);
  return {std::move(call), 0};
}

namespace {
// "the output of 'dense_1' (Dense), shape [10]" or "input 'image', shape [28, 28]", for every input.
std::string describe(const std::vector<SymbolicTensor>& inputs) {
  std::string out;
  for (const SymbolicTensor& x : inputs)
    out += fmt::format("{}{}{}, shape {}", out.empty() ? "" : " and ", x.call()->layer ? "the output of " : "",
                       x.source(), x.shape());
  return out;
}
}  // namespace

std::vector<SymbolicTensor> Layer::record_call(std::shared_ptr<Layer> self, const std::vector<SymbolicTensor>& inputs) {
  const std::string who = name_.empty() ? type() : fmt::format("'{}' ({})", name_, type());
  check<ValueError>(!inputs.empty(), "layer {}: called on no symbolic tensors", who);
  std::vector<Shape> shapes;
  for (const SymbolicTensor& x : inputs) {
    check<ValueError>(x.dtype() == inputs[0].dtype(), "layer {}: inputs of different dtypes: {} and {}", who,
                      autodiff::name(inputs[0].dtype()), autodiff::name(x.dtype()));
    shapes.push_back(x.shape());
  }
  check<ShapeError>(!input_shape_ || inputs.size() != 1 || *input_shape_ == shapes[0],
                    "layer {} declares input_shape {} but is called on {}", who, *input_shape_, describe(inputs));
  check<ValueError>(!weights_dtype_ || *weights_dtype_ == inputs[0].dtype(),
                    "layer {}: its weights are {}; called on {} of {}", who, autodiff::name(*weights_dtype_),
                    describe(inputs), autodiff::name(inputs[0].dtype()));
  auto call = std::make_shared<LayerCall>();
  try {
    if (!built_) dtype_ = inputs[0].dtype();
    ensure_built_many(shapes, autodiff::default_generator());
    call->output_shapes = output_shapes(shapes);
  } catch (const ShapeError& e) {
    throw ShapeError(fmt::format("layer {} cannot take {}: {}", who, describe(inputs), e.what()));
  }
  call->layer = std::move(self);
  call->inputs = inputs;
  call->dtype = inputs[0].dtype();
  std::vector<SymbolicTensor> outputs;
  for (size_t i = 0; i < call->output_shapes.size(); ++i) outputs.emplace_back(call, i);
  return outputs;
}

std::vector<SymbolicTensor> Layer::call_symbolic(const std::vector<SymbolicTensor>& inputs) & {
  auto self = std::static_pointer_cast<Layer>(weak_from_this().lock());
  check<ValueError>(self != nullptr,
                    "{}: a layer object called on symbolic tensors must be held by a std::shared_ptr "
                    "(std::make_shared<{}>(...)), so that the model and every call share it; or call a temporary",
                    label(), type());
  return self->record_call(self, inputs);
}

std::vector<SymbolicTensor> Layer::call_symbolic(const std::vector<SymbolicTensor>& inputs) && {
  // A temporary owned by a shared_ptr (std::move(*ptr)) is still that object: the model shares it.
  std::shared_ptr<Layer> self = std::static_pointer_cast<Layer>(weak_from_this().lock());
  if (!self) self = moved_to_shared();  // *this is left moved-from: the call records the new object
  return self->record_call(self, inputs);
}

namespace {
SymbolicTensor only(std::vector<SymbolicTensor> outputs, const Layer& layer) {
  check<ValueError>(outputs.size() == 1, "{}: the call has {} outputs; use call_symbolic to get them all", layer.type(),
                    outputs.size());
  return std::move(outputs[0]);
}
}  // namespace

SymbolicTensor Layer::operator()(const SymbolicTensor& x) & { return only(call_symbolic({x}), *this); }
SymbolicTensor Layer::operator()(const SymbolicTensor& x) && { return only(std::move(*this).call_symbolic({x}), *this); }
SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& inputs) & {
  return only(call_symbolic(inputs), *this);
}
SymbolicTensor Layer::operator()(const std::vector<SymbolicTensor>& inputs) && {
  return only(std::move(*this).call_symbolic(inputs), *this);
}

}  // namespace nn
