#include "autodiff/ops/indexing.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "autodiff/kernels/indexing.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/ops/shape.hpp"

namespace autodiff {
namespace {

using Indices = std::shared_ptr<const std::vector<int64_t>>;

// A contiguous tensor of `s` seen as [outer, n, inner] around `axis`.
kernels::Planes planes_of(const Shape& s, int64_t axis) {
  kernels::Planes p{1, s[axis], 1};
  for (int64_t i = 0; i < axis; ++i) p.outer *= s[i];
  for (int64_t i = axis + 1; i < s.rank(); ++i) p.inner *= s[i];
  return p;
}

// A strided view of x; start and stop are already clamped to [0, n].
struct Slice {
  static constexpr std::string_view name = "slice";
  int64_t axis, start, stop, step;
  Tensor forward(const Tensor& x) { return x.slice(axis, start, stop, step); }
  Grads backward(const Ctx& c, const Var& g) const;
  // A first-order sweep writes g into its block of the input's gradient itself, so the split of a time-major
  // sequence or of stacked gates writes its input's gradient once, with no zero-padded pieces.
  Route route() const { return {Route::block, {axis, start, stop, step}}; }
};

// A block [start, stop) of `shape` along axis holding g, zeros elsewhere, written in one pass.
Tensor place_block(const Tensor& g, const Shape& shape, int64_t axis, int64_t start, int64_t stop) {
  Tensor out = Tensor::empty(shape, g.dtype());
  const Tensor gc = g.contiguous();
  dispatch(g.dtype(), [&]<class T>(T) {
    kernels::place_block(planes_of(shape, axis), start, stop, gc.data<T>(), out.data<T>());
  });
  return out;
}

// g placed at [start:stop:step] along axis in zeros of the sliced input's shape.
struct SliceScatter {
  static constexpr std::string_view name = "slice_scatter";
  Shape shape;
  Slice at;
  Tensor forward(const Tensor& g) {
    if (at.step == 1) return place_block(g, shape, at.axis, at.start, at.stop);
    Tensor out = zeros(shape, g.dtype());
    out.slice(at.axis, at.start, at.stop, at.step).copy_(g);
    return out;
  }
  Grads backward(const Ctx&, const Var& g) const { return {apply(at, g)}; }
};

Grads Slice::backward(const Ctx& c, const Var& g) const { return {apply(SliceScatter{c.inputs[0].shape(), *this}, g)}; }

Tensor select_rows(const Tensor& x, int64_t axis, const std::vector<int64_t>& idx) {
  Shape shape = x.shape();
  shape[axis] = static_cast<int64_t>(idx.size());
  Tensor out = Tensor::empty(shape, x.dtype());
  const Tensor xc = x.contiguous();
  dispatch(x.dtype(), [&]<class T>(T) {
    kernels::select_rows(planes_of(x.shape(), axis), idx, xc.data<T>(), out.data<T>());
  });
  return out;
}

// out[.., idx[k], ..] += g[.., k, ..] into zeros of `shape`; repeated indices accumulate in k order.
Tensor add_rows(const Tensor& g, const Shape& shape, int64_t axis, const std::vector<int64_t>& idx) {
  Tensor out = zeros(shape, g.dtype());
  const Tensor gc = g.contiguous();
  dispatch(g.dtype(), [&]<class T>(T) {
    kernels::add_rows(planes_of(shape, axis), idx, gc.data<T>(), out.data<T>());
  });
  return out;
}

struct IndexSelect {
  static constexpr std::string_view name = "index_select";
  int64_t axis;
  Indices idx;
  Tensor forward(const Tensor& x) { return select_rows(x, axis, *idx); }
  Grads backward(const Ctx& c, const Var& g) const;
};

struct IndexAdd {
  static constexpr std::string_view name = "index_add";
  Shape shape;
  IndexSelect at;
  Tensor forward(const Tensor& g) { return add_rows(g, shape, at.axis, *at.idx); }
  Grads backward(const Ctx&, const Var& g) const { return {apply(at, g)}; }
};

Grads IndexSelect::backward(const Ctx& c, const Var& g) const {
  return {apply(IndexAdd{c.inputs[0].shape(), *this}, g)};
}

// y[o, k, i] = x[o, idx[o, k, i], i], with x viewed at index's extents off the axis
// (torch.gather lets index be smaller there).
Tensor gather_rows(const Tensor& x, int64_t axis, const Shape& index_shape, const std::vector<int64_t>& idx) {
  Tensor xv = x;
  for (int64_t d = 0; d < x.rank(); ++d)
    if (d != axis) xv = xv.slice(d, 0, index_shape[d]);
  xv = xv.contiguous();
  Tensor out = Tensor::empty(index_shape, x.dtype());
  dispatch(x.dtype(), [&]<class T>(T) {
    kernels::gather_rows(planes_of(xv.shape(), axis), planes_of(index_shape, axis), idx, xv.data<T>(),
                         out.data<T>());
  });
  return out;
}

// out[o, idx[o, k, i], i] += g[o, k, i] into zeros of x's shape; repeats accumulate in k order.
Tensor scatter_rows(const Tensor& g, const Shape& x_shape, int64_t axis, const std::vector<int64_t>& idx) {
  Shape sub = x_shape;
  for (int64_t d = 0; d < sub.rank(); ++d)
    if (d != axis) sub[d] = g.shape()[d];
  Tensor out = zeros(sub, g.dtype());
  const Tensor gc = g.contiguous();
  dispatch(g.dtype(), [&]<class T>(T) {
    kernels::scatter_rows(planes_of(sub, axis), planes_of(g.shape(), axis), idx, gc.data<T>(), out.data<T>());
  });
  if (sub == x_shape) return out;
  Tensor whole = zeros(x_shape, g.dtype());
  Tensor view = whole;
  for (int64_t d = 0; d < sub.rank(); ++d) view = view.slice(d, 0, sub[d]);
  view.copy_(out);
  return whole;
}

struct Gather {
  static constexpr std::string_view name = "gather";
  int64_t axis;
  Shape index_shape;
  Indices idx;
  Tensor forward(const Tensor& x) { return gather_rows(x, axis, index_shape, *idx); }
  Grads backward(const Ctx& c, const Var& g) const;
};

struct ScatterAdd {
  static constexpr std::string_view name = "scatter_add";
  Shape shape;
  Gather at;
  Tensor forward(const Tensor& g) { return scatter_rows(g, shape, at.axis, *at.idx); }
  Grads backward(const Ctx&, const Var& g) const { return {apply(at, g)}; }
};

Grads Gather::backward(const Ctx& c, const Var& g) const { return {apply(ScatterAdd{c.inputs[0].shape(), *this}, g)}; }

// The index tensor's values as integers, each checked to be whole and in range.
std::vector<int64_t> gather_indices(const Shape& x, int64_t axis, const Tensor& index) {
  check<ShapeError>(index.rank() == x.rank(), "gather: index must have x's rank; got x {} and index {}", x,
                    index.shape());
  for (int64_t d = 0; d < x.rank(); ++d)
    check<ShapeError>(d == axis || index.shape()[d] <= x[d],
                      "gather: index extent {} exceeds x's {} on axis {}; got x {} and index {}", index.shape()[d],
                      x[d], d, x, index.shape());
  const std::vector<double> values = index.to_vector();
  std::vector<int64_t> out(values.size());
  for (size_t p = 0; p < values.size(); ++p) {
    const double v = values[p];
    check<ValueError>(std::isfinite(v) && std::floor(v) == v,
                      "gather: index holds the non-integer {} at flat position {}; got x {} and index {}", v, p, x,
                      index.shape());
    check<IndexError>(v >= 0 && v < static_cast<double>(x[axis]),
                      "gather: index {} at flat position {} is out of range for axis {}; got x {} and index {}", v, p,
                      axis, x, index.shape());
    out[p] = static_cast<int64_t>(v);
  }
  return out;
}

}  // namespace

Var gather(const Var& x, int64_t axis, const Tensor& index) {
  const int64_t a = detail::normalize_axes({axis}, x.shape(), "gather")[0];
  auto idx = std::make_shared<const std::vector<int64_t>>(gather_indices(x.shape(), a, index));
  return apply(Gather{a, index.shape(), std::move(idx)}, x);
}

Var slice(const Var& x, int64_t axis, int64_t start, int64_t stop, int64_t step) {
  const int64_t a = detail::normalize_axes({axis}, x.shape(), "slice")[0];
  check<ValueError>(step > 0, "slice: step must be positive; got step {} for shape {}", step, x.shape());
  // Python's rules: negative bounds count from the end, then both clamp to [0, n].
  const int64_t n = x.shape()[a];
  const auto clamp = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  const int64_t s = clamp(start), e = std::max(clamp(stop), s);
  if (s == 0 && e == n && step == 1) return x;
  return apply(Slice{a, s, e, step}, x);
}

Var index_select(const Var& x, int64_t axis, const std::vector<int64_t>& indices) {
  const int64_t a = detail::normalize_axes({axis}, x.shape(), "index_select")[0];
  for (int64_t i : indices)
    check<IndexError>(i >= 0 && i < x.shape()[a], "index_select: index {} is out of range for axis {} of shape {}", i,
                      a, x.shape());
  return apply(IndexSelect{a, std::make_shared<const std::vector<int64_t>>(indices)}, x);
}

}  // namespace autodiff
