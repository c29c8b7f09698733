#include "autodiff/ops/reduce.hpp"

#include <algorithm>

#include "autodiff/kernels/reduce.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/shape.hpp"

namespace autodiff {

namespace detail {
Axes normalize_axes(const Axes& axes, int64_t rank, std::string_view op) {
  Axes out;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
  for (int64_t a : axes) out.push_back(normalize_axis(a, rank, op));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Shape reduced_shape(const Shape& shape, const Axes& axes, bool keepdims) {
  Shape out;
  for (int64_t i = 0; i < shape.rank(); ++i) {
    const bool reduced = std::binary_search(axes.begin(), axes.end(), i);
    if (!reduced)
      out.push_back(shape[i]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}
}  // namespace detail

namespace {

// Reduces x over sorted axes with a deterministic kernel: kept axes first,
// reduced last, so each output reduces one contiguous row (or, when the
// reduced axes lead, one column of a contiguous block).
Tensor reduce(const Tensor& x, const Axes& axes, bool keepdims, kernels::ReduceOp op) {
  Axes kept, order;
  for (int64_t i = 0; i < x.rank(); ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) kept.push_back(i);
  int64_t m = 1, r = 1;
  for (int64_t a : kept) m *= x.shape()[a];
  for (int64_t a : axes) r *= x.shape()[a];
  Tensor out = Tensor::empty(detail::reduced_shape(x.shape(), axes, keepdims), x.dtype());
  order = kept;
  order.insert(order.end(), axes.begin(), axes.end());
  Axes col_order = axes;
  col_order.insert(col_order.end(), kept.begin(), kept.end());
  const Tensor rows = x.permute(order), cols = x.permute(col_order);
  dispatch(x.dtype(), [&]<class T>(T) {
    if (!rows.is_contiguous() && cols.is_contiguous())
      kernels::reduce_cols(op, cols.data<T>(), r, m, out.data<T>());
    else
      kernels::reduce_rows(op, rows.contiguous().data<T>(), m, r, out.data<T>());
  });
  return out;
}

// g (reduced shape) viewed with the reduced axes as extent 1, then broadcast to x.
Var expand_back(const Var& g, const Shape& x_shape, const Axes& axes) {
  return broadcast_to(reshape(g, detail::reduced_shape(x_shape, axes, true)), x_shape);
}

struct Sum {
  static constexpr std::string_view name = "sum";
  Axes axes;
  bool keepdims;
  Tensor forward(const Tensor& x) { return reduce(x, axes, keepdims, kernels::ReduceOp::sum); }
  Grads backward(const Ctx& c, const Var& g) const { return {expand_back(g, c.inputs[0].shape(), axes)}; }
};

// max and min: the gradient is shared evenly among tied extrema, as in NumPy-style autodiff.
struct Extremum {
  static constexpr std::string_view name = "max_min";
  Axes axes;
  bool keepdims;
  kernels::ReduceOp op;
  Tensor forward(const Tensor& x) { return reduce(x, axes, keepdims, op); }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var& x = c.inputs[0];
    const Var mask = eq(x, expand_back(c.output.detach(), x.shape(), axes));
    const Var count = sum(mask, axes, true);
    return {expand_back(g, x.shape(), axes) * mask / count};
  }
};

struct Max : Extremum {
  static constexpr std::string_view name = "max";
};
struct Min : Extremum {
  static constexpr std::string_view name = "min";
};

}  // namespace

Var sum(const Var& x, const Axes& axes, bool keepdims) {
  return apply(Sum{detail::normalize_axes(axes, x.rank(), "sum"), keepdims}, x);
}

Var mean(const Var& x, const Axes& axes, bool keepdims) {
  const Axes a = detail::normalize_axes(axes, x.rank(), "mean");
  int64_t n = 1;
  for (int64_t i : a) n *= x.shape()[i];
  return sum(x, a, keepdims) / static_cast<double>(n);
}

Var max(const Var& x, const Axes& axes, bool keepdims) {
  check<ShapeError>(x.numel() > 0, "max: cannot reduce an empty tensor; got {}", x.shape());
  return apply(Max{{detail::normalize_axes(axes, x.rank(), "max"), keepdims, kernels::ReduceOp::max}}, x);
}

Var min(const Var& x, const Axes& axes, bool keepdims) {
  check<ShapeError>(x.numel() > 0, "min: cannot reduce an empty tensor; got {}", x.shape());
  return apply(Min{{detail::normalize_axes(axes, x.rank(), "min"), keepdims, kernels::ReduceOp::min}}, x);
}

Var sum_to(const Var& g, const Shape& shape, std::string_view op) {
  if (g.shape() == shape) return g;
  const Shape& gs = g.shape();
  const int64_t lead = gs.rank() - shape.rank();
  bool ok = lead >= 0;
  Axes axes;
  for (int64_t i = 0; ok && i < gs.rank(); ++i) {
    if (i < lead) {
      axes.push_back(i);
      continue;
    }
    const int64_t d = shape[i - lead];
    if (d == 1 && gs[i] != 1)
      axes.push_back(i);
    else
      ok = d == gs[i];
  }
  check<ShapeError>(ok, "{}: backward returned a gradient of shape {} for an input of shape {}", op, gs, shape);
  return reshape(sum(g, axes, true), shape);
}

}  // namespace autodiff
