#include <boost/test/unit_test.hpp>

#include <cmath>
#include <sstream>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;
using Values = std::vector<double>;
namespace tt = boost::test_tools;

namespace {
constexpr auto has = [](const autodiff::Error& e, const std::string& f) { return testing::message_has(e, f); };
// f(x) = Σ x³ + x0·x1: H = diag(6x) + the x0x1 cross term.
Var cubic(const Var& x) { return sum(pow(x, 3.0)) + sum(slice(x, 0, 0, 1) * slice(x, 0, 1, 2)); }
}  // namespace

BOOST_AUTO_TEST_CASE(hessian_vector_product_matches_the_hessian) {
  const Tensor x = Tensor::from({1, 2, 3}, {3}, DType::f64), v = Tensor::from({1, 0, -1}, {3}, DType::f64);
  BOOST_TEST(hvp(cubic, x, v).to_vector() == (Values{6, 1, -18}), tt::per_element());
  const Tensor h = hessian(cubic, x);
  BOOST_TEST(h.shape() == (Shape{3, 3}));
  BOOST_TEST(h.to_vector() == (Values{6, 1, 0, 1, 12, 0, 0, 0, 18}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(jacobian_of_an_elementwise_map_is_diagonal) {
  const Tensor x = Tensor::from({0.5, -1.0}, {2}, DType::f64);
  const Tensor j = jacobian([](const Var& v) { return exp(v) * 2.0; }, x);
  BOOST_TEST(j.shape() == (Shape{2, 2}));
  BOOST_TEST(j.at({0, 0}) == 2 * std::exp(0.5), tt::tolerance(1e-12));
  BOOST_TEST(j.at({1, 1}) == 2 * std::exp(-1.0), tt::tolerance(1e-12));
  BOOST_TEST(j.at({0, 1}) == 0.0);
}

BOOST_AUTO_TEST_CASE(gradient_penalty_trains_through_the_gradient) {
  // d/dw of ||d(w·x²)/dx||² = d/dw (Σ (2wx)²) = 8 w Σ x².
  TapeScope scope;
  Var w(Tensor::scalar(1.5, DType::f64), true);
  Var x(Tensor::from({1, 2}, {2}, DType::f64), true);
  Var y = sum(w * x * x);
  Var gx = grad(y, {x}, {.create_graph = true})[0];
  Var penalty = sum(gx * gx);
  backward(penalty);
  BOOST_TEST(w.grad().item() == 8 * 1.5 * 5, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(first_order_backward_records_nothing) {
  TapeScope scope;
  Var x(Tensor::from({1, 2}, {2}, DType::f64), true);
  Var y = sum(exp(x) * x);
  const int64_t before = scope.tape().size();
  grad(y, {x}, {.retain_graph = true});
  BOOST_TEST(scope.tape().size() == before);
  grad(y, {x}, {.retain_graph = true, .create_graph = true});
  BOOST_TEST(scope.tape().size() > before);
}

BOOST_AUTO_TEST_CASE(grad_returns_zeros_for_unused_inputs) {
  TapeScope scope;
  Var x(ones({2}), true), unused(ones({3}), true);
  auto g = grad(sum(x * 2.0), {x, unused});
  BOOST_TEST(g[1].value().to_vector() == Values(3, 0.0), tt::per_element());
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_forward_op) {
  DetectAnomaly anomaly;
  Var x(Tensor::from({-1.0, 4.0}, {2}), true);
  BOOST_CHECK_EXCEPTION(log(x), ValueError,
                        [](const Error& e) { return has(e, "log: forward produced NaN or Inf; inputs [2]"); });
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_the_backward_op) {
  TapeScope scope;
  DetectAnomaly anomaly;
  Var x(Tensor::from({0.0, 4.0}, {2}), true);
  Var y = sum(sqrt(x));  // forward finite, but d sqrt/dx at 0 is infinite
  BOOST_CHECK_EXCEPTION(backward(y), ValueError,
                        [](const Error& e) { return has(e, "sqrt: backward produced NaN or Inf; inputs [2]"); });
}

BOOST_AUTO_TEST_CASE(graph_view_exports_and_answers_reachability) {
  TapeScope scope;
  Var w(ones({3, 2}), true), b(zeros({2}), true), unrelated(ones({1}), true);
  w.set_name("w");
  Var x(ones({4, 3}));
  Var y = sum(relu(matmul(x, w) + b));
  Var z = unrelated * 2.0;
  const std::vector<Var> leaves = leaves_of(y);
  BOOST_TEST(leaves.size() == 2u);
  BOOST_TEST(depends_on(y, w));
  BOOST_TEST(!depends_on(y, unrelated));
  BOOST_TEST(!depends_on(z, w));
  std::ostringstream dot;
  write_dot(dot, to_graph(y));
  BOOST_TEST(dot.str().find("digraph") != std::string::npos);
  BOOST_TEST(dot.str().find("matmul") != std::string::npos);
  BOOST_TEST(dot.str().find("w (leaf)") != std::string::npos);
  BOOST_TEST(dot.str().find("[4, 2] float32") != std::string::npos);
  BOOST_TEST(dot.str().find("mul") != std::string::npos);
  BOOST_TEST(boost::num_vertices(to_graph(scope.tape())) > boost::num_vertices(to_graph(y)));
}

// tanh, sigmoid and relu have fused VJP ops (tanh_backward, ...); their own VJPs give the second
// derivative and theirs the third. The table checks second order; here gradgradcheck runs on the
// first derivative, which checks the third.
BOOST_AUTO_TEST_CASE(fused_activation_vjps_have_third_derivatives) {
  const Tensor x = Tensor::from({-1.3, -0.4, 0.2, 0.9, 1.7, 2.5}, {2, 3}, DType::f64);
  for (auto [name, f] : {std::pair<std::string, Var (*)(const Var&)>{"tanh", tanh}, {"sigmoid", sigmoid}}) {
    const Function derivative = [f](const std::vector<Var>& in) {
      // Finite differences call this on constants under NoGrad; grad needs a recorded leaf.
      EnableGrad enable;
      const Var x = in[0].requires_grad() ? in[0] : Var(in[0].value(), true);
      return grad(sum(f(x) * x), {x}, {.create_graph = true})[0];
    };
    const GradcheckResult r = gradgradcheck(derivative, {x}, {.name = name + "'"});
    BOOST_TEST(r.ok, r);
  }
  // relu is piecewise linear: its derivative is g where x > 0 and its second derivative is zero.
  TapeScope scope;
  Var v(x, true);
  const Var dv = grad(sum(relu(v) * relu(v)), {v}, {.create_graph = true})[0];
  BOOST_TEST(dv.value().to_vector() == (Values{0, 0, 0.4, 1.8, 3.4, 5.0}), tt::per_element());  // doubling is exact
  const Var ddv = grad(sum(dv), {v})[0];
  BOOST_TEST(ddv.value().to_vector() == (Values{0, 0, 2, 2, 2, 2}), tt::per_element());
}
