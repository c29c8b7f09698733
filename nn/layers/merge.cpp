#include "nn/layers/merge.hpp"

#include <fmt/format.h>

#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/shape.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

namespace {
void check_count(const std::string& type, size_t count, size_t most) {
  check<ValueError>(count >= 2 && count <= most, "{}: takes {} inputs; got {}", type,
                    most == 2 ? std::string("exactly 2") : std::string("2 or more"), count);
}
}  // namespace

Shape ElementwiseMerge::output_shape(const Shape& input_shape) const { return output_shapes({input_shape})[0]; }

std::vector<Shape> ElementwiseMerge::output_shapes(const std::vector<Shape>& input_shapes) const {
  check_count(type(), input_shapes.size(), max_inputs_);
  Shape out = input_shapes[0];
  for (size_t i = 1; i < input_shapes.size(); ++i) out = autodiff::broadcast_shapes(out, input_shapes[i], type());
  return {out};
}

Var ElementwiseMerge::forward(const Var& x) { return forward_many({x})[0]; }

std::vector<Var> ElementwiseMerge::forward_many(const std::vector<Var>& inputs) {
  check_count(type(), inputs.size(), max_inputs_);
  Var y = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) y = combine(y, inputs[i]);
  return {finish(y, inputs.size())};
}

Var Add::combine(const Var& a, const Var& b) const { return a + b; }
Var Subtract::combine(const Var& a, const Var& b) const { return a - b; }
Var Multiply::combine(const Var& a, const Var& b) const { return a * b; }
Var Average::combine(const Var& a, const Var& b) const { return a + b; }
Var Average::finish(const Var& sum, size_t count) const { return sum * (1.0 / double(count)); }

Shape Concatenate::output_shape(const Shape& input_shape) const { return output_shapes({input_shape})[0]; }

std::vector<Shape> Concatenate::output_shapes(const std::vector<Shape>& input_shapes) const {
  check_count(type(), input_shapes.size(), SIZE_MAX);
  const Shape& first = input_shapes[0];
  const int64_t axis = axis_ < 0 ? axis_ + first.rank() : axis_;
  check<ShapeError>(axis >= 0 && axis < first.rank(), "Concatenate: axis {} is out of range for inputs {}", axis_,
                    first);
  Shape out = first;
  for (size_t i = 1; i < input_shapes.size(); ++i) {
    const Shape& s = input_shapes[i];
    bool same = s.rank() == first.rank();
    for (int64_t d = 0; same && d < first.rank(); ++d) same = d == axis || s[d] == first[d];
    check<ShapeError>(same, "Concatenate: inputs must match except along axis {}; got {} and {}", axis_, first, s);
    out[axis] += s[axis];
  }
  return {out};
}

Var Concatenate::forward(const Var& x) { return forward_many({x})[0]; }

std::vector<Var> Concatenate::forward_many(const std::vector<Var>& inputs) {
  check_count(type(), inputs.size(), SIZE_MAX);
  // The per-sample axis, counted on the batch: −1 stays the last axis, k ≥ 0 moves past the batch axis.
  return {autodiff::concat(inputs, axis_ < 0 ? axis_ + inputs[0].rank() : axis_ + 1)};
}

LayerConfig Concatenate::config() const {
  LayerConfig c(type());
  ConfigWriter{c}("axis", axis_);
  return c;
}

std::shared_ptr<Layer> Concatenate::from_config(const LayerConfig& c) {
  int64_t axis = -1;
  ConfigReader{c}("axis", axis);
  return std::make_shared<Concatenate>(axis);
}

}  // namespace nn
