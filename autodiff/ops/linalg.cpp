#include "autodiff/ops/linalg.hpp"

#include <algorithm>

#include "autodiff/kernels/matmul.hpp"
#include "autodiff/kernels/parallel.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/shape.hpp"

namespace autodiff {
namespace {

constexpr int64_t batch_task_flops = 1 << 19;  // a task's share of a batch of products (~5 µs, as in gemm)

// Batched product of rank ≥ 2 operands; transposed views reach gemm as strides, never copies.
Tensor batched_gemm(const Tensor& a, const Tensor& b) {
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Shape batch_a(std::span(a.shape().begin(), a.shape().end() - 2)), batch_b(std::span(b.shape().begin(), b.shape().end() - 2));
  Shape out_shape = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t batches = out_shape.numel();
  out_shape.push_back(m);
  out_shape.push_back(n);
  Tensor out = Tensor::empty(out_shape, a.dtype());
  Shape batch_shape(std::span(out_shape.begin(), out_shape.end() - 2));
  batch_shape.push_back(1);
  batch_shape.push_back(1);
  // Per-operand strides over the broadcast batch axes (0 where broadcast).
  Shape full_a = batch_shape, full_b = batch_shape;
  full_a[full_a.rank() - 2] = m, full_a[full_a.rank() - 1] = k;
  full_b[full_b.rank() - 2] = k, full_b[full_b.rank() - 1] = n;
  const Tensor av = a.broadcast_to(full_a), bv = b.broadcast_to(full_b);
  const int64_t nb = batch_shape.rank() - 2;
  // Many small products (the attention's 512 per-head ones at batch 128) run a chunk of the batch per task:
  // each product is still one gemm call, so its bits do not depend on the thread count.
  const int64_t grain = std::max<int64_t>(1, batch_task_flops / std::max<int64_t>(1, 2 * m * n * k));
  dispatch(a.dtype(), [&]<class T>(T) {
    kernels::parallel_for(batches, grain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t rem = i, off_a = 0, off_b = 0;
        for (int64_t ax = nb - 1; ax >= 0; --ax) {
          const int64_t idx = rem % batch_shape[ax];
          rem /= batch_shape[ax];
          off_a += idx * av.strides()[ax];
          off_b += idx * bv.strides()[ax];
        }
        kernels::gemm<T>(m, n, k, av.data<T>() + off_a, av.strides()[nb], av.strides()[nb + 1],
                         bv.data<T>() + off_b, bv.strides()[nb], bv.strides()[nb + 1], out.data<T>() + i * m * n, n,
                         false);
      }
    });
  });
  return out;
}

// A 2-d operand's gradient (aᵀ·g or g·bᵀ) written where the sweep asks (Ctx::grad_out: a parameter's block of
// its bucket in a DataParallel step, docs/design.md "Leaf destinations"), else into a new tensor, by the same
// kernel call as matmul's.
Var product_into(const Ctx& c, size_t i, const Tensor& a, const Tensor& b) {
  Tensor out = c.grad_out(i, c.inputs[i].value());
  dispatch(a.dtype(), [&]<class T>(T) {
    kernels::gemm<T>(a.size(0), b.size(1), a.size(1), a.data<T>(), a.strides()[0], a.strides()[1], b.data<T>(),
                     b.strides()[0], b.strides()[1], out.data<T>(), out.strides()[0], false);
  });
  return Var(std::move(out));
}

// The VJP of a·b for its factor at input `at`: b's (aᵀ·g) when for_b, else a's (g·bᵀ).
Var product_grad(const Ctx& c, size_t at, const Var& a, const Var& b, const Var& g, bool for_b) {
  if (!c.needs(at)) return Var();
  if (!c.create_graph && a.rank() == 2 && b.rank() == 2)
    return for_b ? product_into(c, at, a.value().transpose(), g.value())
                 : product_into(c, at, g.value(), b.value().transpose());
  return for_b ? matmul(transpose(a), g) : matmul(g, transpose(b));
}

struct MatMul {
  static constexpr std::string_view name = "matmul";
  Tensor forward(const Tensor& a, const Tensor& b) { return batched_gemm(a, b); }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &a = c.inputs[0], &b = c.inputs[1];
    return {product_grad(c, 0, a, b, g, false), product_grad(c, 1, a, b, g, true)};
  }
};

struct AddMM {
  static constexpr std::string_view name = "addmm";
  Route route() const { return {Route::through}; }  // the VJP for c is g (sum_to c's shape)
  Tensor forward(const Tensor& c, const Tensor& a, const Tensor& b) {
    const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
    Tensor out = Tensor::empty(Shape{m, n}, a.dtype());
    out.copy_(c);
    dispatch(a.dtype(), [&]<class T>(T) {
      kernels::gemm<T>(m, n, k, a.data<T>(), a.strides()[0], a.strides()[1], b.data<T>(), b.strides()[0],
                       b.strides()[1], out.data<T>(), n, true);
    });
    return out;
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &a = c.inputs[1], &b = c.inputs[2];
    return {g, product_grad(c, 1, a, b, g, false), product_grad(c, 2, a, b, g, true)};
  }
};

}  // namespace

Var addmm(const Var& c, const Var& a, const Var& b) {
  check_same_dtype("addmm", a.value(), b.value());
  check_same_dtype("addmm", a.value(), c.value());
  check<ShapeError>(a.rank() == 2 && b.rank() == 2 && a.size(1) == b.size(0),
                    "addmm: expected a [m,k] and b [k,n]; got {} and {}", a.shape(), b.shape());
  const Shape out{a.size(0), b.size(1)};
  check<ShapeError>(c.rank() <= 2 && broadcast_shapes(c.shape(), out, "addmm") == out,
                    "addmm: c {} does not broadcast to the product's shape {}", c.shape(), out);
  return apply(AddMM{}, c, a, b);
}

Var matmul(const Var& a, const Var& b) {
  check_same_dtype("matmul", a.value(), b.value());
  check<ShapeError>(a.rank() >= 1 && b.rank() >= 1, "matmul: operands must have rank >= 1; got {} and {}", a.shape(),
                    b.shape());
  const int64_t k_b = b.rank() == 1 ? b.size(0) : b.size(-2);
  check<ShapeError>(a.size(-1) == k_b, "matmul: inner dimensions differ; got {} and {}", a.shape(), b.shape());
  if (a.rank() > 2 || b.rank() > 2) {
    const Shape batch_a(std::span(a.shape().begin(), a.shape().end() - std::min<int64_t>(a.rank(), 2)));
    const Shape batch_b(std::span(b.shape().begin(), b.shape().end() - std::min<int64_t>(b.rank(), 2)));
    try {
      broadcast_shapes(batch_a, batch_b, "matmul");
    } catch (const ShapeError&) {
      throw ShapeError(fmt::format("matmul: batch dimensions cannot be broadcast; got {} and {}", a.shape(), b.shape()));
    }
  }
  // 1-d operands act as a row (left) or column (right) vector whose axis is dropped again.
  if (a.rank() == 1 && b.rank() == 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), Shape{});
  if (a.rank() == 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.rank() == 1) return squeeze(matmul(a, unsqueeze(b, -1)), -1);
  return apply(MatMul{}, a, b);
}

Var outer(const Var& a, const Var& b) {
  check<ShapeError>(a.rank() == 1 && b.rank() == 1, "outer: operands must be 1-d; got {} and {}", a.shape(),
                    b.shape());
  return unsqueeze(a, 1) * unsqueeze(b, 0);
}

}  // namespace autodiff
