// The LSTM cell's element-wise equations as two primitives (DESIGN.md: "a fused LSTM cell if profiling
// demands it"): the gates' activations, products and sum in one pass forward and one backward, where the
// same equations as separate ops take nine and about a dozen passes over the step's tensors. With
// create_graph the VJP is the same equations' derivatives written with differentiable ops.
#include "autodiff/ops/lstm_cell.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include "autodiff/kernels/lstm_cell.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"

namespace autodiff {
namespace {

// Unit-stride rows the kernels read or write in place: a 2-d view of gate columns, or any contiguous tensor.
bool is_rows(const Tensor& t) { return (t.rank() == 2 && t.strides()[1] == 1) || t.is_contiguous(); }

// An operand as rows: read in place where it can be, else made contiguous.
Tensor as_rows(const Tensor& t) { return is_rows(t) ? t : t.contiguous(); }

struct Grid {
  int64_t rows, cols;
};
Grid grid_of(const Tensor& t) {
  const int64_t cols = t.rank() ? t.size(-1) : 1;
  return {t.numel() / std::max<int64_t>(cols, 1), cols};
}

// A tensor in rows (P is const T for an operand, T for a result), or none for an undefined one.
template <class P>
kernels::Rows<P> rows_of(const Tensor& t) {
  if (!t.defined()) return {nullptr, 0};
  return {t.template data<std::remove_const_t<P>>(), t.rank() == 2 ? t.strides()[0] : grid_of(t).cols};
}

Tensor new_like(const Tensor& t, bool wanted) { return wanted ? Tensor::empty(t.shape(), t.dtype()) : Tensor(); }

// Where input k's gradient is written (a reserved block of its sum, or a new tensor); none if it needs none.
Tensor gradient_for(const Ctx& ctx, size_t k, const Tensor& like) {
  return ctx.needs(k) ? ctx.grad_out(k, like) : Tensor();
}

Var gradient(const Tensor& t) { return t.defined() ? Var(t) : Var(); }  // none for an input that needs none

struct LstmState {
  static constexpr std::string_view name = "lstm_cell_state";
  bool keep;  // whether backward may run: then i, f and C̃ are kept for it
  Tensor i, f, c_tilde;

  Tensor forward(const Tensor& z_i, const Tensor& z_f, const Tensor& z_c, const Tensor& c) {
    Tensor c_next = Tensor::empty(c.shape(), c.dtype());
    i = new_like(c, keep), f = new_like(c, keep), c_tilde = new_like(c, keep);
    const auto [rows, cols] = grid_of(c);
    const Tensor zi = as_rows(z_i), zf = as_rows(z_f), zc = as_rows(z_c), cr = as_rows(c);
    dispatch(c.dtype(), [&, rows = rows, cols = cols]<class T>(T) {
      kernels::lstm_state_forward<T>(rows, cols, rows_of<const T>(zi), rows_of<const T>(zf), rows_of<const T>(zc),
                                     rows_of<const T>(cr), rows_of<T>(c_next), rows_of<T>(i), rows_of<T>(f),
                                     rows_of<T>(c_tilde));
    });
    return c_next;
  }

  Grads backward(const Ctx& ctx, const Var& g) const {
    const Var &z_i = ctx.inputs[0], &z_f = ctx.inputs[1], &z_c = ctx.inputs[2], &c = ctx.inputs[3];
    if (ctx.create_graph) {  // the derivatives of the gate equations, as ops
      const Var iv = sigmoid(z_i), fv = sigmoid(z_f), cv = tanh(z_c);
      return {ctx.needs(0) ? g * cv * iv * (1.0 - iv) : Var(), ctx.needs(1) ? g * c * fv * (1.0 - fv) : Var(),
              ctx.needs(2) ? g * iv * (1.0 - cv * cv) : Var(), ctx.needs(3) ? g * fv : Var()};
    }
    const Tensor& like = c.value();
    std::array<Tensor, 4> d;
    for (size_t k = 0; k < 4; ++k) d[k] = gradient_for(ctx, k, like);
    const auto [rows, cols] = grid_of(like);
    const Tensor gr = as_rows(g.value()), cr = as_rows(c.value());
    dispatch(like.dtype(), [&, rows = rows, cols = cols]<class T>(T) {
      kernels::lstm_state_backward<T>(rows, cols, rows_of<const T>(gr), rows_of<const T>(cr), rows_of<const T>(i),
                                      rows_of<const T>(f), rows_of<const T>(c_tilde), rows_of<T>(d[0]),
                                      rows_of<T>(d[1]), rows_of<T>(d[2]), rows_of<T>(d[3]));
    });
    return {gradient(d[0]), gradient(d[1]), gradient(d[2]), gradient(d[3])};
  }
};

struct LstmOutput {
  static constexpr std::string_view name = "lstm_cell_output";
  bool keep;  // whether backward may run: then o and tanh(c) are kept for it
  Tensor o, tanh_c;

  Tensor forward(const Tensor& z_o, const Tensor& c) {
    Tensor h = Tensor::empty(c.shape(), c.dtype());
    o = new_like(c, keep), tanh_c = new_like(c, keep);
    const auto [rows, cols] = grid_of(c);
    const Tensor zo = as_rows(z_o), cr = as_rows(c);
    dispatch(c.dtype(), [&, rows = rows, cols = cols]<class T>(T) {
      kernels::lstm_output_forward<T>(rows, cols, rows_of<const T>(zo), rows_of<const T>(cr), rows_of<T>(h),
                                      rows_of<T>(o), rows_of<T>(tanh_c));
    });
    return h;
  }

  Grads backward(const Ctx& ctx, const Var& g) const {
    const Var &z_o = ctx.inputs[0], &c = ctx.inputs[1];
    if (ctx.create_graph) {
      const Var ov = sigmoid(z_o), tv = tanh(c);
      return {ctx.needs(0) ? g * tv * ov * (1.0 - ov) : Var(), ctx.needs(1) ? g * ov * (1.0 - tv * tv) : Var()};
    }
    const Tensor& like = c.value();
    const Tensor dz = gradient_for(ctx, 0, like), dc = gradient_for(ctx, 1, like);
    const auto [rows, cols] = grid_of(like);
    const Tensor gr = as_rows(g.value());
    dispatch(like.dtype(), [&, rows = rows, cols = cols]<class T>(T) {
      kernels::lstm_output_backward<T>(rows, cols, rows_of<const T>(gr), rows_of<const T>(o),
                                       rows_of<const T>(tanh_c), rows_of<T>(dz), rows_of<T>(dc));
    });
    return {gradient(dz), gradient(dc)};
  }
};

void check_gates(std::string_view op, std::initializer_list<const Var*> xs) {
  const Var& first = **xs.begin();
  std::string shapes;
  bool same = true;
  for (const Var* x : xs) {
    check_same_dtype(op, first.value(), x->value());
    same = same && x->shape() == first.shape();
    shapes += (shapes.empty() ? "" : ", ") + to_string(x->shape());
  }
  check<ShapeError>(same, "{}: the gates and the cell state must have one shape; got {}", op, shapes);
}

}  // namespace

Var lstm_cell_state(const Var& z_i, const Var& z_f, const Var& z_c, const Var& c) {
  check_gates("lstm_cell_state", {&z_i, &z_f, &z_c, &c});
  const std::array inputs{z_i, z_f, z_c, c};
  return apply(LstmState{grad_enabled() && detail::any_requires_grad(inputs), {}, {}, {}}, z_i, z_f, z_c, c);
}

Var lstm_cell_output(const Var& z_o, const Var& c) {
  check_gates("lstm_cell_output", {&z_o, &c});
  const std::array inputs{z_o, c};
  return apply(LstmOutput{grad_enabled() && detail::any_requires_grad(inputs), {}, {}}, z_o, c);
}

}  // namespace autodiff
