#include "autodiff/ops/reduce.hpp"

#include <algorithm>
#include <cmath>

#include "autodiff/kernels/reduce.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/indexing.hpp"
#include "autodiff/ops/shape.hpp"
#include "autodiff/tensor_map.hpp"

namespace autodiff {

namespace detail {
Axes normalize_axes(const Axes& axes, const Shape& shape, std::string_view op) {
  const int64_t rank = shape.rank();
  Axes out;
  if (axes.empty())
    for (int64_t i = 0; i < rank; ++i) out.push_back(i);
  for (int64_t a : axes) {
    // A rank-0 tensor has no axis to reduce, so normalize_axis's "axis 0 of a scalar" leniency does not apply.
    check<IndexError>(a >= -rank && a < rank, "{}: axis {} is out of range for shape {}", op, a, shape);
    out.push_back(a < 0 ? a + rank : a);
  }
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
// Max and Min name themselves.
struct Extremum {
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

// Π_{j≠i} x_j along the last axis [..., n]: an exclusive prefix product times an exclusive suffix product, each
// a Hillis–Steele scan of shifted slices. It is a polynomial in x written with ops, with no division and no
// masks, so every derivative order is exact at zeros too.
Var product_of_others_last(const Var& x) {
  const int64_t last = x.rank() - 1, n = x.shape()[last];
  std::vector<std::pair<int64_t, int64_t>> before(static_cast<size_t>(x.rank())), after = before;
  const auto shifted = [&](const Var& v, int64_t d, bool forward) {  // v moved d places along last, 1s shifted in
    before[last] = {forward ? d : 0, 0};
    after[last] = {0, forward ? 0 : d};
    return forward ? pad(slice(v, last, 0, n - d), before, 1.0) : pad(slice(v, last, d, n), after, 1.0);
  };
  Var prefix = x, suffix = x;
  for (int64_t d = 1; d < n; d *= 2) {
    prefix = prefix * shifted(prefix, d, true);
    suffix = suffix * shifted(suffix, d, false);
  }
  return shifted(prefix, 1, true) * shifted(suffix, 1, false);
}

// The same over any axes: the reduced axes moved last and merged into one.
Var product_of_others(const Var& x, const Axes& axes) {
  std::vector<int64_t> order;
  Shape kept;
  for (int64_t i = 0; i < x.rank(); ++i)
    if (!std::ranges::binary_search(axes, i)) order.push_back(i), kept.push_back(x.shape()[i]);
  int64_t n = 1;
  for (int64_t a : axes) order.push_back(a), n *= x.shape()[a];
  std::vector<int64_t> inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[static_cast<size_t>(order[i])] = static_cast<int64_t>(i);
  const Var moved = permute(x, order);
  kept.push_back(n);
  return permute(reshape(product_of_others_last(reshape(moved, kept)), moved.shape()), inverse);
}

struct Prod {
  static constexpr std::string_view name = "prod";
  Axes axes;
  bool keepdims;
  Tensor forward(const Tensor& x) { return reduce(x, axes, keepdims, kernels::ReduceOp::prod); }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var& x = c.inputs[0];
    // Without zeros (the usual case) the product of the others is y / x, exact to every order there.
    if (sum(eq(x, scalar_like(0.0, x))).item() == 0) return {expand_back(g * c.output, x.shape(), axes) / x};
    return {expand_back(g, x.shape(), axes) * product_of_others(x, axes)};
  }
};

}  // namespace

Var sum(const Var& x, const Axes& axes, bool keepdims) {
  return apply(Sum{detail::normalize_axes(axes, x.shape(), "sum"), keepdims}, x);
}

Var mean(const Var& x, const Axes& axes, bool keepdims) {
  const Axes a = detail::normalize_axes(axes, x.shape(), "mean");
  int64_t n = 1;
  for (int64_t i : a) n *= x.shape()[i];
  return sum(x, a, keepdims) / static_cast<double>(n);
}

Var max(const Var& x, const Axes& axes, bool keepdims) {
  check<ShapeError>(x.numel() > 0, "max: cannot reduce an empty tensor; got {}", x.shape());
  return apply(Max{{detail::normalize_axes(axes, x.shape(), "max"), keepdims, kernels::ReduceOp::max}}, x);
}

Var min(const Var& x, const Axes& axes, bool keepdims) {
  check<ShapeError>(x.numel() > 0, "min: cannot reduce an empty tensor; got {}", x.shape());
  return apply(Min{{detail::normalize_axes(axes, x.shape(), "min"), keepdims, kernels::ReduceOp::min}}, x);
}

Var prod(const Var& x, const Axes& axes, bool keepdims) {
  return apply(Prod{detail::normalize_axes(axes, x.shape(), "prod"), keepdims}, x);
}

Var logsumexp(const Var& x, const Axes& axes, bool keepdims) {
  check<ShapeError>(x.numel() > 0, "logsumexp: cannot reduce an empty tensor; got {}", x.shape());
  const Axes a = detail::normalize_axes(axes, x.shape(), "logsumexp");
  // Shifting by the max keeps exp ≤ 1; a group that is all ±inf shifts by 0 so x − m stays defined.
  const Tensor m = map(max(x.detach(), a, true).value(), [](auto v) { return std::isfinite(v) ? v : decltype(v)(0); });
  const Var y = log(sum(exp(x - Var(m)), a, true)) + Var(m);
  return keepdims ? y : reshape(y, detail::reduced_shape(x.shape(), a, false));
}

Var var(const Var& x, const Axes& axes, bool keepdims, int64_t ddof) {
  const Axes a = detail::normalize_axes(axes, x.shape(), "var");
  int64_t n = 1;
  for (int64_t i : a) n *= x.shape()[i];
  check<ValueError>(ddof >= 0 && n - ddof > 0, "var: ddof {} leaves no degrees of freedom for {} elements; got {}",
                    ddof, n, x.shape());
  const Var d = x - mean(x, a, true);
  return sum(d * d, a, keepdims) / static_cast<double>(n - ddof);
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
