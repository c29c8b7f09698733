#include "autodiff/ops/elementwise.hpp"

#include <cmath>

#include "autodiff/kernels/vmath.hpp"
#include "autodiff/op.hpp"
#include "autodiff/tensor_map.hpp"

namespace autodiff {
namespace {
// f32 takes the vectorized kernel (kernels/vmath.hpp); f64 keeps the libm map, so f64 gradient
// checks see exactly what they saw before. A view whose rows are contiguous (an LSTM's gate, a
// column block of the stacked pre-activations) is read in place, row by row; any other strided
// f32 view is copied contiguous first, which costs far less than a scalar libm call per element.
using VectorRows = void (*)(const float*, int64_t, float*, int64_t, int64_t);

// The row stride when x is rows of contiguous elements spaced evenly, else 0.
int64_t row_stride(const Tensor& x) {
  const int64_t r = x.rank();
  if (r < 2 || x.strides()[r - 1] != 1) return 0;
  for (int64_t i = 0; i + 2 < r; ++i)
    if (x.strides()[i] != x.strides()[i + 1] * x.shape()[i + 1]) return 0;
  return x.strides()[r - 2];
}

template <class F>
Tensor map_f32_fast(const Tensor& x, VectorRows vector, F f) {
  if (x.dtype() != DType::f32) return map(x, f);
  Tensor out = Tensor::empty(x.shape(), DType::f32);
  if (x.numel() == 0) return out;
  const int64_t cols = x.rank() == 0 ? 1 : x.shape().back();
  const int64_t ld = x.is_contiguous() ? cols : row_stride(x);
  const Tensor in = ld > 0 ? x : x.contiguous();
  vector(in.data<float>(), ld > 0 ? ld : cols, out.data<float>(), x.numel() / cols, cols);
  return out;
}
}  // namespace

struct Add {
  static constexpr std::string_view name = "add";
  Tensor forward(const Tensor& a, const Tensor& b) { return map(a, b, name, [](auto u, auto v) { return u + v; }); }
  Grads backward(const Ctx&, const Var& g) const { return {g, g}; }
};
Var operator+(const Var& a, const Var& b) { return apply(Add{}, a, b); }

struct Sub {
  static constexpr std::string_view name = "sub";
  Tensor forward(const Tensor& a, const Tensor& b) { return map(a, b, name, [](auto u, auto v) { return u - v; }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g, c.needs(1) ? -g : Var()}; }
};
Var operator-(const Var& a, const Var& b) { return apply(Sub{}, a, b); }

struct Mul {
  static constexpr std::string_view name = "mul";
  Tensor forward(const Tensor& a, const Tensor& b) { return map(a, b, name, [](auto u, auto v) { return u * v; }); }
  Grads backward(const Ctx& c, const Var& g) const {
    return {c.needs(0) ? g * c.inputs[1] : Var(), c.needs(1) ? g * c.inputs[0] : Var()};
  }
};
Var operator*(const Var& a, const Var& b) { return apply(Mul{}, a, b); }

struct Div {
  static constexpr std::string_view name = "div";
  Tensor forward(const Tensor& a, const Tensor& b) { return map(a, b, name, [](auto u, auto v) { return u / v; }); }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var& b = c.inputs[1];
    return {c.needs(0) ? g / b : Var(), c.needs(1) ? -(g * c.output) / b : Var()};
  }
};
Var operator/(const Var& a, const Var& b) { return apply(Div{}, a, b); }

struct Neg {
  static constexpr std::string_view name = "neg";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return -v; }); }
  Grads backward(const Ctx&, const Var& g) const { return {-g}; }
};
Var operator-(const Var& x) { return apply(Neg{}, x); }

namespace {
// ∂aᵇ/∂a = b·aᵇ⁻¹, taken as 0 where b = 0 (so 0⁰ has slope 0, not 0·0⁻¹), as torch.pow does. The masked
// entries compute a⁰ instead of aᵇ⁻¹, so no inf sits in an untaken branch for a higher order to multiply by 0.
Var d_base(const Var& a, const Var& b) {
  const Var zero = scalar_like(0.0, b), at_zero = eq(b, zero);
  return where(at_zero, zero, b * pow(a, where(at_zero, scalar_like(1.0, b), b) - 1.0));
}
// ∂aᵇ/∂b = aᵇ·ln a, taken as 0 where a = 0 and b ≥ 0 (where aᵇ is 0 or 1 on both sides in b), as torch.pow does.
Var d_exponent(const Var& a, const Var& b, const Var& y) {
  const Var zero = scalar_like(0.0, a), at_zero = eq(a, zero) * ge(b, zero);
  return where(at_zero, zero, y * log(where(at_zero, scalar_like(1.0, a), a)));
}
}  // namespace

struct Pow {
  static constexpr std::string_view name = "pow";
  Tensor forward(const Tensor& a, const Tensor& b) {
    return map(a, b, name, [](auto u, auto v) { return std::pow(u, v); });
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &a = c.inputs[0], &b = c.inputs[1];
    return {c.needs(0) ? g * d_base(a, b) : Var(), c.needs(1) ? g * d_exponent(a, b, c.output) : Var()};
  }
};
Var pow(const Var& a, const Var& b) { return apply(Pow{}, a, b); }

struct PowScalar {
  static constexpr std::string_view name = "pow_scalar";
  double p;
  Tensor forward(const Tensor& x) {
    // Squares and cubes as products, as torch.pow does: libm's pow per element was 12% of the MNIST
    // Transformer's training step (gelu's x³ and its slope's x²).
    if (p == 2.0) return map(x, [](auto v) { return v * v; });
    if (p == 3.0) return map(x, [](auto v) { return v * v * v; });
    return map(x, [p = p](auto v) { return std::pow(v, static_cast<decltype(v)>(p)); });
  }
  Grads backward(const Ctx& c, const Var& g) const {
    if (p == 0.0) return {Var()};
    return {g * (p * pow(c.inputs[0], p - 1.0))};
  }
};
Var pow(const Var& x, double p) { return apply(PowScalar{p}, x); }

struct Exp {
  static constexpr std::string_view name = "exp";
  Tensor forward(const Tensor& x) { return map_f32_fast(x, kernels::vexp, [](auto v) { return std::exp(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g * c.output}; }
};
Var exp(const Var& x) { return apply(Exp{}, x); }

struct Log {
  static constexpr std::string_view name = "log";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::log(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g / c.inputs[0]}; }
};
Var log(const Var& x) { return apply(Log{}, x); }

struct Log1p {
  static constexpr std::string_view name = "log1p";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::log1p(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g / (c.inputs[0] + 1.0)}; }
};
Var log1p(const Var& x) { return apply(Log1p{}, x); }

struct Sqrt {
  static constexpr std::string_view name = "sqrt";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::sqrt(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g / (c.output * 2.0)}; }
};
Var sqrt(const Var& x) { return apply(Sqrt{}, x); }

struct Abs {
  static constexpr std::string_view name = "abs";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::abs(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g * sign(c.inputs[0])}; }
};
Var abs(const Var& x) { return apply(Abs{}, x); }

struct Sin {
  static constexpr std::string_view name = "sin";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::sin(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {g * cos(c.inputs[0])}; }
};
Var sin(const Var& x) { return apply(Sin{}, x); }

struct Cos {
  static constexpr std::string_view name = "cos";
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return std::cos(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {-(g * sin(c.inputs[0]))}; }
};
Var cos(const Var& x) { return apply(Cos{}, x); }

// The VJPs of tanh, sigmoid and relu are one pass over (g, y) each instead of two or three
// temporaries; each is an op of its own whose VJP keeps gradients of gradients.
struct TanhBackward {  // g·(1 − y²)
  static constexpr std::string_view name = "tanh_backward";
  Tensor forward(const Tensor& g, const Tensor& y) {
    return map(g, y, name, [](auto u, auto v) { return u * (decltype(v)(1) - v * v); });
  }
  Grads backward(const Ctx& c, const Var& gg) const {
    const Var &g = c.inputs[0], &y = c.inputs[1];
    return {c.needs(0) ? apply(TanhBackward{}, gg, y) : Var(), c.needs(1) ? gg * g * y * -2.0 : Var()};
  }
};

struct Tanh {
  static constexpr std::string_view name = "tanh";
  Tensor forward(const Tensor& x) { return map_f32_fast(x, kernels::vtanh, [](auto v) { return std::tanh(v); }); }
  Grads backward(const Ctx& c, const Var& g) const { return {apply(TanhBackward{}, g, c.output)}; }
};
Var tanh(const Var& x) { return apply(Tanh{}, x); }

struct SigmoidBackward {  // g·y·(1 − y)
  static constexpr std::string_view name = "sigmoid_backward";
  Tensor forward(const Tensor& g, const Tensor& y) {
    return map(g, y, name, [](auto u, auto v) { return u * v * (decltype(v)(1) - v); });
  }
  Grads backward(const Ctx& c, const Var& gg) const {
    const Var &g = c.inputs[0], &y = c.inputs[1];
    return {c.needs(0) ? apply(SigmoidBackward{}, gg, y) : Var(), c.needs(1) ? gg * g * (1.0 - 2.0 * y) : Var()};
  }
};

struct Sigmoid {
  static constexpr std::string_view name = "sigmoid";
  Tensor forward(const Tensor& x) {
    return map_f32_fast(x, kernels::vsigmoid, [](auto v) { return kernels::sigmoid_of(v); });
  }
  Grads backward(const Ctx& c, const Var& g) const { return {apply(SigmoidBackward{}, g, c.output)}; }
};
Var sigmoid(const Var& x) { return apply(Sigmoid{}, x); }

struct ReluBackward {  // g where y > 0, else 0; relu is piecewise linear, so y gets no gradient
  static constexpr std::string_view name = "relu_backward";
  Tensor forward(const Tensor& g, const Tensor& y) {
    return map(g, y, name, [](auto u, auto v) { return v > 0 ? u : decltype(u)(0); });
  }
  Grads backward(const Ctx& c, const Var& gg) const {
    return {c.needs(0) ? apply(ReluBackward{}, gg, c.inputs[1]) : Var(), Var()};
  }
};

struct Relu {
  static constexpr std::string_view name = "relu";
  // `v > 0 ? v : 0` would turn NaN into 0; a NaN input stays NaN, as in PyTorch.
  Tensor forward(const Tensor& x) { return map(x, [](auto v) { return v <= 0 ? decltype(v)(0) : v; }); }
  Grads backward(const Ctx& c, const Var& g) const { return {apply(ReluBackward{}, g, c.output)}; }
};
Var relu(const Var& x) { return apply(Relu{}, x); }

// A primitive, not max(x, 0) + ln(1 + e^−|x|): that composite is exact in value, but at x = 0 the kinks of
// max and |x| leave its derivatives wrong (1 and 0 for σ(0) = 0.5 and σ'(0) = 0.25).
struct Softplus {
  static constexpr std::string_view name = "softplus";
  Tensor forward(const Tensor& x) {
    return map(x, [](auto v) { return std::max(v, decltype(v)(0)) + std::log1p(std::exp(-std::abs(v))); });
  }
  Grads backward(const Ctx& c, const Var& g) const { return {g * sigmoid(c.inputs[0])}; }
};
Var softplus(const Var& x) { return apply(Softplus{}, x); }

struct Where {
  static constexpr std::string_view name = "where";
  Tensor forward(const Tensor& mask, const Tensor& a, const Tensor& b) {
    return map(mask, a, b, name, [](auto m, auto u, auto v) { return m != 0 ? u : v; });
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var& m = c.inputs[0];
    const Var zero = scalar_like(0.0, g);
    return {Var(), c.needs(1) ? where(m, g, zero) : Var(), c.needs(2) ? where(m, zero, g) : Var()};
  }
};
Var where(const Var& mask, const Var& a, const Var& b) {
  check<ValueError>(!mask.requires_grad(), "where: the mask (shape {}) must be a constant, not require grad",
                    mask.shape());
  return apply(Where{}, mask, a, b);
}

Var leaky_relu(const Var& x, double alpha) { return where(gt(x, scalar_like(0.0, x)), x, x * alpha); }
Var elu(const Var& x, double alpha) {
  // exp of the clipped input: the untaken branch must stay finite or 0·inf poisons the gradient.
  const Var zero = scalar_like(0.0, x), positive = gt(x, zero);
  return where(positive, x, alpha * (exp(where(positive, zero, x)) - 1.0));
}
Var clamp(const Var& x, double lo, double hi) {
  check<ValueError>(lo <= hi, "clamp: lo {} exceeds hi {}", lo, hi);
  // Not maximum/minimum: at a bound x keeps its gradient, as torch.clamp does, and NaN stays NaN.
  return where(lt(x, scalar_like(lo, x)), scalar_like(lo, x), where(gt(x, scalar_like(hi, x)), scalar_like(hi, x), x));
}
// A tie splits the gradient evenly, as torch.maximum/minimum do; a + (b − a)/2 is a itself there, and NaN
// falls through both comparisons into it, so NaN propagates from either side.
Var minimum(const Var& a, const Var& b) { return where(lt(a, b), a, where(gt(a, b), b, a + (b - a) * 0.5)); }
Var maximum(const Var& a, const Var& b) { return where(gt(a, b), a, where(lt(a, b), b, a + (b - a) * 0.5)); }
Var sign(const Var& x) {
  return Var(map(x.value(), [](auto v) { return static_cast<decltype(v)>((v > 0) - (v < 0)); }));
}

namespace {
template <class F>
Var compare(const Var& a, const Var& b, std::string_view op, F f) {
  return Var(map(a.value(), b.value(), op, [&](auto u, auto v) { return static_cast<decltype(u)>(f(u, v)); }));
}
}  // namespace
Var eq(const Var& a, const Var& b) { return compare(a, b, "eq", std::equal_to<>{}); }
Var ne(const Var& a, const Var& b) { return compare(a, b, "ne", std::not_equal_to<>{}); }
Var lt(const Var& a, const Var& b) { return compare(a, b, "lt", std::less<>{}); }
Var le(const Var& a, const Var& b) { return compare(a, b, "le", std::less_equal<>{}); }
Var gt(const Var& a, const Var& b) { return compare(a, b, "gt", std::greater<>{}); }
Var ge(const Var& a, const Var& b) { return compare(a, b, "ge", std::greater_equal<>{}); }

Var scalar_like(double value, const Var& like) { return Var(Tensor::scalar(value, like.dtype())); }
Var operator+(const Var& a, double b) { return a + scalar_like(b, a); }
Var operator+(double a, const Var& b) { return scalar_like(a, b) + b; }
Var operator-(const Var& a, double b) { return a - scalar_like(b, a); }
Var operator-(double a, const Var& b) { return scalar_like(a, b) - b; }
Var operator*(const Var& a, double b) { return a * scalar_like(b, a); }
Var operator*(double a, const Var& b) { return scalar_like(a, b) * b; }
Var operator/(const Var& a, double b) { return a / scalar_like(b, a); }
Var operator/(double a, const Var& b) { return scalar_like(a, b) / b; }

}  // namespace autodiff
