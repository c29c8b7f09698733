#include "autodiff/gradcheck.hpp"

#include <cmath>
#include <ostream>

#include "autodiff/backward.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/random.hpp"
#include "autodiff/tape.hpp"

namespace autodiff {
namespace {

struct Worst {
  double error = -1, analytic = 0, numeric = 0;
  size_t input = 0;
  int64_t element = -1;  // flat index in the input (full Jacobian) or -1 for a random direction
  int64_t output = -1;   // flat output index (full Jacobian) or -1
};

std::vector<Tensor> to_f64(const std::vector<Tensor>& xs) {
  std::vector<Tensor> out;
  for (const Tensor& x : xs) out.push_back(x.to(DType::f64).clone());
  return out;
}

Tensor eval(const Function& f, const std::vector<Tensor>& xs) {
  TapeScope scope;
  NoGrad no_grad;
  std::vector<Var> vs(xs.begin(), xs.end());
  return f(vs).value().to(DType::f64).contiguous();
}

double dot(const Tensor& a, const Tensor& b) {
  const std::vector<double> u = a.to_vector(), v = b.to_vector();
  double s = 0;
  for (size_t i = 0; i < u.size(); ++i) s += u[i] * v[i];
  return s;
}

// VJP of f at xs with output direction v: one gradient per input.
std::vector<Tensor> vjp(const Function& f, const std::vector<Tensor>& xs, const Tensor& v) {
  TapeScope scope;
  std::vector<Var> vs;
  for (const Tensor& x : xs) vs.emplace_back(x, true);
  const Var y = f(vs);
  check<ValueError>(y.dtype() == DType::f64, "gradcheck: the function returned {}, not float64, for float64 inputs",
                    y.dtype());
  if (!y.requires_grad()) {
    std::vector<Tensor> zs;
    for (const Tensor& x : xs) zs.push_back(zeros_like(x));
    return zs;
  }
  std::vector<Var> gs = grad(y, vs, {.seed = Var(v.reshape(y.shape()))});
  std::vector<Tensor> out;
  for (const Var& g : gs) out.push_back(g.value());
  return out;
}

// Numerical ⟨f(x + eps·d) − f(x − eps·d), v⟩ / 2eps, for a perturbation d of input k.
double numeric(const Function& f, std::vector<Tensor> xs, size_t k, const Tensor& d, const Tensor& v, double eps) {
  const Tensor x0 = xs[k];
  const Tensor step = (Var(d) * eps).value();
  xs[k] = (Var(x0) + Var(step)).value();
  const double plus = dot(eval(f, xs), v);
  xs[k] = (Var(x0) - Var(step)).value();
  const double minus = dot(eval(f, xs), v);
  return (plus - minus) / (2 * eps);
}

void consider(Worst& w, double analytic, double num, const GradcheckOptions& o, size_t k, int64_t e, int64_t out) {
  const double err = std::abs(analytic - num);
  const double excess = err - (o.atol + o.rtol * std::abs(num));
  if (excess > w.error || w.error < 0) w = {excess, analytic, num, k, e, out};
}

Worst check_once(const Function& f, const std::vector<Tensor>& xs, const Shape& out_shape, double eps,
                 const GradcheckOptions& o) {
  Worst w;
  int64_t total_in = 0;
  for (const Tensor& x : xs) total_in += x.numel();
  const int64_t n_out = out_shape.numel();
  if (total_in <= o.full_jacobian_max && n_out <= o.full_jacobian_max) {
    for (int64_t out = 0; out < n_out; ++out) {
      Tensor v = zeros(out_shape, DType::f64);
      v.data<double>()[out] = 1;
      const std::vector<Tensor> rows = vjp(f, xs, v);
      for (size_t k = 0; k < xs.size(); ++k)
        for (int64_t e = 0; e < xs[k].numel(); ++e) {
          Tensor d = zeros(xs[k].shape(), DType::f64);
          d.data<double>()[e] = 1;
          consider(w, rows[k].contiguous().data<double>()[e], numeric(f, xs, k, d, v, eps), o, k, e, out);
        }
    }
    return w;
  }
  Generator gen(o.seed);
  for (int t = 0; t < o.directions; ++t) {
    const Tensor v = randn(out_shape, gen, DType::f64);
    const std::vector<Tensor> rows = vjp(f, xs, v);
    for (size_t k = 0; k < xs.size(); ++k) {
      const Tensor d = randn(xs[k].shape(), gen, DType::f64);
      consider(w, dot(rows[k], d), numeric(f, xs, k, d, v, eps), o, k, -1, -1);
    }
  }
  return w;
}

std::string describe(const Worst& w, const std::vector<Tensor>& xs, const Shape& out_shape, double eps,
                     const GradcheckOptions& o) {
  std::string shapes;
  for (const Tensor& x : xs) shapes += (shapes.empty() ? "" : ", ") + to_string(x.shape());
  const std::string where = w.element >= 0
                                ? fmt::format("d output[{}] / d input {}[{}]", w.output, w.input, w.element)
                                : fmt::format("input {} along a random direction", w.input);
  return fmt::format(
      "gradcheck failed for {}: inputs {} → output {}; step {:g}; worst at {}: analytic {:.10g}, numeric {:.10g} "
      "(|diff| {:.3g} > atol {:g} + rtol {:g}·|numeric|)",
      o.name, shapes, out_shape, eps, where, w.analytic, w.numeric, std::abs(w.analytic - w.numeric), o.atol, o.rtol);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const GradcheckResult& r) {
  return os << (r.ok ? std::string("gradcheck passed") : r.report);
}

GradcheckResult gradcheck(const Function& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  const std::vector<Tensor> xs = to_f64(inputs);
  const Shape out_shape = eval(f, xs).shape();
  GradcheckResult result;
  double eps = options.eps;
  for (int attempt = 0; attempt <= options.retries; ++attempt, eps *= 10) {
    const Worst w = check_once(f, xs, out_shape, eps, options);
    result.max_abs_error = std::abs(w.analytic - w.numeric);
    result.ok = w.error <= 0;
    if (result.ok) return result;
    result.report = describe(w, xs, out_shape, eps, options);
  }
  return result;
}

GradcheckResult gradgradcheck(const Function& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  const std::vector<Tensor> xs = to_f64(inputs);
  Generator gen(options.seed + 1);
  const Tensor v = randn(eval(f, xs).shape(), gen, DType::f64);
  std::vector<Tensor> ws;
  for (const Tensor& x : xs) ws.push_back(randn(x.shape(), gen, DType::f64));
  const Function first = [&](const std::vector<Var>& vars) -> Var {
    EnableGrad record;  // the inner gradient is taken even when the caller evaluates without grad
    std::vector<Var> leaves;
    for (const Var& x : vars) leaves.push_back(x.requires_grad() ? x : Var(x.value(), true));
    const Var y = f(leaves);
    if (!y.requires_grad()) return Var(Tensor::scalar(0.0, DType::f64));
    const std::vector<Var> gs = grad(y, leaves, {.seed = Var(v), .create_graph = true});
    Var total = Var(Tensor::scalar(0.0, DType::f64));
    for (size_t k = 0; k < gs.size(); ++k) total = total + sum(gs[k] * Var(ws[k]));
    return total;
  };
  GradcheckOptions second = options;
  second.name = "second derivatives of " + options.name;
  return gradcheck(first, xs, second);
}

}  // namespace autodiff
