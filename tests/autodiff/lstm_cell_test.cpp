// The fused LSTM cell primitives against the same gate equations as separate ops, in f32 on gate blocks
// (f64 and second order: the gradient-check rows; the LSTM layer: tests/nn/recurrent_test.cpp).
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;

namespace {

double max_diff(const Tensor& a, const Tensor& b) {
  BOOST_REQUIRE(a.shape() == b.shape());
  const std::vector<double> x = a.to_vector(), y = b.to_vector();
  double m = 0;
  for (size_t k = 0; k < x.size(); ++k) m = std::max(m, std::abs(x[k] - y[k]));
  return m;
}

struct Step {
  Tensor h, c, dz, dc;
};

// One cell step over z = [rows, 4·units] (gates i, f, c, o) and c; h·w and C·v make a loss that reaches both
// outputs. c_needs_grad false checks that the fused VJP leaves an input without a gradient alone.
Step run(const Tensor& zt, const Tensor& ct, const Tensor& w, const Tensor& v, bool fused, bool c_needs_grad = true) {
  TapeScope scope;
  Var z(zt, true), c(ct, c_needs_grad);
  const int64_t u = ct.size(-1);
  const std::vector<Var> g = split(z, {u, u, u, u}, -1);
  Var c_next, h;
  if (fused) {
    c_next = lstm_cell_state(g[0], g[1], g[2], c);
    h = lstm_cell_output(g[3], c_next);
  } else {
    c_next = sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]);
    h = sigmoid(g[3]) * tanh(c_next);
  }
  backward(sum(h * Var(w)) + sum(c_next * Var(v)));
  return {h.value(), c_next.value(), z.grad(), c.grad()};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_fused_cell_equals_its_gate_equations_on_gate_blocks_in_f32) {
  Generator gen(5);
  // 300 units: rows 1200 elements apart in z; 7 rows split unevenly over two threads.
  const Tensor z = randn({7, 1200}, gen), c = randn({7, 300}, gen), w = randn({7, 300}, gen), v = randn({7, 300}, gen);
  const Step plain = run(z, c, w, v, false), fused = run(z, c, w, v, true);
  BOOST_TEST(max_diff(plain.h, fused.h) <= 1e-6);
  BOOST_TEST(max_diff(plain.c, fused.c) <= 1e-6);
  BOOST_TEST(max_diff(plain.dz, fused.dz) <= 1e-5);
  BOOST_TEST(max_diff(plain.dc, fused.dc) <= 1e-5);
  const Step constant_c = run(z, c, w, v, true, false);
  BOOST_TEST(!constant_c.dc.defined());
  BOOST_TEST(max_diff(fused.dz, constant_c.dz) == 0.0);
}

BOOST_AUTO_TEST_CASE(inference_and_training_give_the_same_values) {
  Generator gen(6);
  const Tensor zt = randn({5, 64}, gen), ct = randn({5, 16}, gen);
  const std::vector<Var> g = split(Var(zt), {16, 16, 16, 16}, -1);
  Tensor inferred;
  {
    NoGrad no_grad;  // nothing kept for backward: the gates go through scratch rows
    inferred = lstm_cell_output(g[3], lstm_cell_state(g[0], g[1], g[2], Var(ct))).value();
  }
  TapeScope scope;
  const Var c(ct, true);
  const Tensor trained = lstm_cell_output(g[3], lstm_cell_state(g[0], g[1], g[2], c)).value();
  BOOST_TEST(inferred.to_vector() == trained.to_vector());
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_gradients) {
  Generator gen(8);
  const Tensor z = randn({129, 512}, gen), c = randn({129, 128}, gen), w = randn({129, 128}, gen),
               v = randn({129, 128}, gen);
  set_num_threads(1);
  const Step one = run(z, c, w, v, true);
  set_num_threads(2);
  const Step two = run(z, c, w, v, true);
  set_num_threads(0);
  BOOST_TEST(one.dz.to_vector() == two.dz.to_vector());
  BOOST_TEST(one.dc.to_vector() == two.dc.to_vector());
}

BOOST_AUTO_TEST_CASE(any_layout_is_accepted) {
  // A transposed gate (no unit stride) and 3-d operands are copied to rows first.
  Generator gen(9);
  const Tensor a = randn({3, 4}, gen, DType::f64), b = randn({4, 3}, gen, DType::f64);
  const Tensor c = randn({2, 2, 3}, gen, DType::f64);
  const Var bt = transpose(Var(b));
  const Tensor fused = lstm_cell_output(Var(a), bt).value();
  const Tensor plain = (sigmoid(Var(a)) * tanh(bt)).value();
  BOOST_TEST(max_diff(fused, plain) <= 1e-15);
  const Var x(c);
  BOOST_TEST(max_diff(lstm_cell_state(x, x, x, x).value(), (sigmoid(x) * x + sigmoid(x) * tanh(x)).value()) <= 1e-15);
}

BOOST_AUTO_TEST_CASE(mismatched_gates_are_named) {
  const Var a(zeros({2, 3})), b(zeros({2, 4})), d(zeros({2, 3}, DType::f64));
  BOOST_CHECK_EXCEPTION(lstm_cell_state(a, a, b, a), ShapeError,
                        testing::message_has({"lstm_cell_state", "[2, 3]", "[2, 4]"}));
  BOOST_CHECK_EXCEPTION(lstm_cell_output(a, b), ShapeError, testing::message_has({"lstm_cell_output", "[2, 4]"}));
  BOOST_CHECK_EXCEPTION(lstm_cell_output(a, d), ValueError,
                        testing::message_has({"lstm_cell_output", "float32", "float64"}));
}
