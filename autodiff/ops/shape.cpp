#include "autodiff/ops/shape.hpp"

#include <algorithm>
#include <span>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/indexing.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/tensor_map.hpp"

namespace autodiff {
namespace {

struct Reshape {
  static constexpr std::string_view name = "reshape";
  Route route() const { return {Route::through}; }  // the VJP is g reshaped
  Shape shape;
  Tensor forward(const Tensor& x) { return x.reshape(shape); }
  Grads backward(const Ctx& c, const Var& g) const { return {reshape(g, c.inputs[0].shape())}; }
};

struct BroadcastTo {
  static constexpr std::string_view name = "broadcast_to";
  Shape shape;
  Tensor forward(const Tensor& x) { return x.broadcast_to(shape); }
  // sum_to runs centrally on the returned gradient.
  Grads backward(const Ctx&, const Var& g) const { return {g}; }
};

struct Permute {
  static constexpr std::string_view name = "permute";
  std::vector<int64_t> axes;
  Tensor forward(const Tensor& x) { return x.permute(axes); }
  Grads backward(const Ctx&, const Var& g) const {
    std::vector<int64_t> inverse(axes.size());
    for (size_t i = 0; i < axes.size(); ++i) inverse[static_cast<size_t>(axes[i])] = static_cast<int64_t>(i);
    return {permute(g, inverse)};
  }
};

// Each input is copied into its slab of the output; the VJP hands each input its slab of g.
struct Concat {
  static constexpr std::string_view name = "concat";
  int64_t axis;
  Tensor forward(std::span<const Tensor> xs) {
    Shape shape = xs[0].shape();
    shape[axis] = 0;
    for (const Tensor& x : xs) shape[axis] += x.size(axis);
    Tensor out = Tensor::empty(shape, xs[0].dtype());
    int64_t at = 0;
    for (const Tensor& x : xs) {
      out.slice(axis, at, at + x.size(axis)).copy_(x);
      at += x.size(axis);
    }
    return out;
  }
  Grads backward(const Ctx& c, const Var& g) const {
    Grads out;
    int64_t at = 0;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      const int64_t n = c.inputs[i].size(axis);
      out.push_back(c.needs(i) ? slice(g, axis, at, at + n) : Var());
      at += n;
    }
    return out;
  }
};

using Pads = std::vector<std::pair<int64_t, int64_t>>;

// x's place inside a padded tensor or gradient t: the interior slice on every padded axis.
template <class T>
T interior(T t, const Pads& pads, const Shape& x_shape) {
  for (size_t i = 0; i < pads.size(); ++i) {
    const auto a = static_cast<int64_t>(i);
    const int64_t b = pads[i].first, e = b + x_shape[a];
    if (pads[i].first == 0 && pads[i].second == 0) continue;
    if constexpr (std::is_same_v<T, Tensor>)
      t = t.slice(a, b, e);
    else
      t = slice(t, a, b, e);
  }
  return t;
}

struct Pad {
  static constexpr std::string_view name = "pad";
  Pads pads;
  double value;
  Tensor forward(const Tensor& x) {
    Shape shape = x.shape();
    for (size_t i = 0; i < pads.size(); ++i) shape[static_cast<int64_t>(i)] += pads[i].first + pads[i].second;
    Tensor out = full(shape, value, x.dtype());
    interior(out, pads, x.shape()).copy_(x);
    return out;
  }
  Grads backward(const Ctx& c, const Var& g) const { return {interior(g, pads, c.inputs[0].shape())}; }
};

}  // namespace


Var reshape(const Var& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return apply(Reshape{shape}, x);
}

Var broadcast_to(const Var& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return apply(BroadcastTo{shape}, x);
}

Var permute(const Var& x, const std::vector<int64_t>& axes) {
  check<ShapeError>(static_cast<int64_t>(axes.size()) == x.rank(), "permute: {} axes for a tensor of shape {}",
                    axes.size(), x.shape());
  std::vector<int64_t> norm;
  for (int64_t a : axes) norm.push_back(normalize_axis(a, x.rank(), "permute"));
  return apply(Permute{norm}, x);
}

Var transpose(const Var& x, int64_t axis0, int64_t axis1) {
  if (x.rank() < 2) return x;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.rank(); ++i) axes.push_back(i);
  std::swap(axes[static_cast<size_t>(normalize_axis(axis0, x.rank(), "transpose"))],
            axes[static_cast<size_t>(normalize_axis(axis1, x.rank(), "transpose"))]);
  return permute(x, axes);
}

Var flatten(const Var& x, int64_t start_axis) {
  check<ShapeError>(start_axis >= 0 && start_axis <= std::max<int64_t>(x.rank() - 1, 0),
                    "flatten: start_axis {} out of range for shape {}", start_axis, x.shape());
  Shape s;
  for (int64_t i = 0; i < start_axis; ++i) s.push_back(x.shape()[i]);
  int64_t rest = 1;
  for (int64_t i = start_axis; i < x.rank(); ++i) rest *= x.shape()[i];
  s.push_back(rest);
  return reshape(x, s);
}

Var squeeze(const Var& x, int64_t axis) { return reshape(x, x.value().squeeze(axis).shape()); }
Var unsqueeze(const Var& x, int64_t axis) { return reshape(x, x.value().unsqueeze(axis).shape()); }

}  // namespace autodiff

namespace autodiff {

Var concat(const std::vector<Var>& inputs, int64_t axis) {
  check<ValueError>(!inputs.empty(), "concat: no inputs to join");
  const Shape& first = inputs[0].shape();
  const int64_t a = detail::normalize_axes({axis}, first, "concat")[0];
  for (const Var& x : inputs) {
    check_same_dtype("concat", inputs[0].value(), x.value());
    Shape s = x.shape();
    if (s.rank() == first.rank()) s[a] = first[a];
    check<ShapeError>(s == first, "concat: shapes must match except on axis {}; got {} and {}", a, first, x.shape());
  }
  if (inputs.size() == 1) return inputs[0];
  return apply_n(Concat{a}, inputs);
}

Var stack(const std::vector<Var>& inputs, int64_t axis) {
  check<ValueError>(!inputs.empty(), "stack: no inputs to stack");
  const Shape& first = inputs[0].shape();
  const int64_t rank = first.rank() + 1;
  check<IndexError>(axis >= -rank && axis < rank, "stack: axis {} is out of range for stacking shape {}", axis,
                    first);
  std::vector<Var> parts;
  for (const Var& x : inputs) {
    check<ShapeError>(x.shape() == first, "stack: shapes must be equal; got {} and {}", first, x.shape());
    parts.push_back(unsqueeze(x, axis < 0 ? axis + rank : axis));
  }
  return concat(parts, axis);
}

std::vector<Var> split(const Var& x, const std::vector<int64_t>& sizes, int64_t axis) {
  const int64_t a = detail::normalize_axes({axis}, x.shape(), "split")[0];
  int64_t total = 0;
  for (int64_t s : sizes) {
    check<ValueError>(s >= 0, "split: negative size {} in [{}]; got {}", s, fmt::join(sizes, ", "), x.shape());
    total += s;
  }
  check<ShapeError>(total == x.shape()[a], "split: sizes [{}] sum to {}, not the extent {} of axis {}; got {}",
                    fmt::join(sizes, ", "), total, x.shape()[a], a, x.shape());
  // Flat slices: a first-order sweep adds each piece's gradient into its block of x's (Slice).
  std::vector<Var> out;
  out.reserve(sizes.size());
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(slice(x, a, start, start + s));
    start += s;
  }
  return out;
}

Var pad(const Var& x, const std::vector<std::pair<int64_t, int64_t>>& pads, double value) {
  check<ShapeError>(static_cast<int64_t>(pads.size()) <= x.rank(), "pad: {} pads for a tensor of shape {}",
                    pads.size(), x.shape());
  bool any = false;
  for (size_t i = 0; i < pads.size(); ++i) {
    check<ValueError>(pads[i].first >= 0 && pads[i].second >= 0,
                      "pad: negative padding ({}, {}) on axis {}; got {}", pads[i].first, pads[i].second, i,
                      x.shape());
    any = any || pads[i].first > 0 || pads[i].second > 0;
  }
  if (!any) return x;
  return apply(Pad{pads, value}, x);
}

}  // namespace autodiff
