#include "autodiff/functional.hpp"

#include "autodiff/backward.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/tape.hpp"

namespace autodiff {
namespace {

Shape concat_shapes(const Shape& a, const Shape& b) {
  Shape s = a;
  for (int64_t d : b) s.push_back(d);
  return s;
}

// Rows of d(out)/dx, one VJP per element of out, stacked into out.shape + x.shape.
Tensor rows_of(const Var& out, const Var& x) {
  Tensor result = Tensor::empty(concat_shapes(out.shape(), x.shape()), x.dtype());
  const int64_t n = out.numel(), m = x.numel();
  for (int64_t i = 0; i < n; ++i) {
    Tensor seed = zeros(out.shape(), out.dtype());
    dispatch(seed.dtype(), [&]<class T>(T) { seed.data<T>()[i] = T(1); });
    const Tensor row = out.requires_grad() ? grad(out, {x}, {.seed = Var(seed), .retain_graph = true})[0].value()
                                           : zeros(x.shape(), x.dtype());
    result.reshape(Shape{n, m}).slice(0, i, i + 1).copy_(row.reshape(Shape{1, m}));
  }
  return result;
}

}  // namespace

Tensor hvp(const std::function<Var(const Var&)>& f, const Tensor& x, const Tensor& v) {
  check<ShapeError>(x.shape() == v.shape(), "hvp: x shape {} and v shape {} differ", x.shape(), v.shape());
  TapeScope scope;
  const Var xv(x, true);
  const Var y = f(xv);
  check<ShapeError>(y.numel() == 1, "hvp: f must return a scalar; got shape {}", y.shape());
  const Var g = grad(y, {xv}, {.create_graph = true})[0];
  const Var gv = sum(g * Var(v));
  if (!gv.requires_grad()) return zeros_like(x);
  return grad(gv, {xv})[0].value();
}

Tensor jacobian(const std::function<Var(const Var&)>& f, const Tensor& x) {
  TapeScope scope;
  const Var xv(x, true);
  return rows_of(f(xv), xv);
}

Tensor hessian(const std::function<Var(const Var&)>& f, const Tensor& x) {
  TapeScope scope;
  const Var xv(x, true);
  const Var y = f(xv);
  check<ShapeError>(y.numel() == 1, "hessian: f must return a scalar; got shape {}", y.shape());
  const Var g = grad(y, {xv}, {.create_graph = true})[0];
  return rows_of(g, xv);
}

}  // namespace autodiff
