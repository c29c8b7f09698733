// The snippets of docs/autodiff.md, each run as a test case with checks of
// what the doc says it does. The last case keeps the doc and this file in step.
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "autodiff/autodiff.hpp"
#include "tests/guide.hpp"

using namespace autodiff;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(tensors) {
  // guide: tensors
  Tensor a = Tensor::from({1, 2, 3, 4, 5, 6}, {2, 3});         // float32 by default
  Tensor b = arange(0, 3, 1, DType::f64);                        // [0, 1, 2]
  Generator gen(42);                                             // seeded: same numbers every run
  Tensor r = randn({2, 3}, gen);                                 // also rand, uniform, normal
  Tensor t = a.transpose();                                      // a view: no copy
  Tensor c = t.contiguous();                                     // a copy, because t is strided
  fmt::print("{}\n", a);   // tensor([[1, 2, 3], [4, 5, 6]], shape=[2, 3], dtype=float32)
  // end
  BOOST_TEST(fmt::format("{}", a) == "tensor([[1, 2, 3], [4, 5, 6]], shape=[2, 3], dtype=float32)");
  BOOST_TEST(b.to_vector() == (std::vector<double>{0, 1, 2}), tt::per_element());
  BOOST_TEST(r.shape() == (Shape{2, 3}));
  BOOST_TEST(t.storage() == a.storage());
  BOOST_TEST(c.storage() != a.storage());
}

BOOST_AUTO_TEST_CASE(backward_) {
  // guide: backward
  Var w(Tensor::from({0.5, -0.5}, {2}, DType::f64), /*requires_grad=*/true);
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64));           // a constant
  Var loss = sum(pow(tanh(w * x) - 1.0, 2.0));
  backward(loss);                                               // w.grad() now holds dloss/dw
  fmt::print("{}\n", w.grad());
  // end
  // d/dw (tanh(wx) − 1)² = 2(tanh(wx) − 1)(1 − tanh²(wx))·x
  for (int i = 0; i < 2; ++i) {
    const double wi = i == 0 ? 0.5 : -0.5, xi = i == 0 ? 1.0 : 2.0, th = std::tanh(wi * xi);
    BOOST_TEST(w.grad().at({i}) == 2 * (th - 1) * (1 - th * th) * xi, tt::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(ops) {
  // guide: ops
  Generator gen(0);
  Var x(randn({4, 3}, gen), true), w(randn({3, 2}, gen), true), b(zeros({2}), true);
  Var logits = addmm(b, x, w);                                  // b + x·w in one pass over the output
  Var loss = cross_entropy(logits, std::vector<int64_t>{0, 1, 1, 0});   // mean over the batch
  backward(loss);                                               // b.grad() sums the batch's gradients
  // end
  const Tensor want = (matmul(x, w) + b).value();
  BOOST_TEST(logits.value().to_vector() == want.to_vector(), tt::per_element());
  // d loss / d b = mean over rows of softmax − one-hot: its two entries sum to 0.
  BOOST_TEST(b.grad().to_vector()[0] + b.grad().to_vector()[1] == 0.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(lstm_cell) {
  // guide: lstm cell
  Generator gen(0);
  Var z(randn({2, 12}, gen), true), c(zeros({2, 3}), true);     // 2 rows, 3 units, gates i, f, c, o
  std::vector<Var> g = split(z, {3, 3, 3, 3}, -1);
  Var c_next = lstm_cell_state(g[0], g[1], g[2], c);            // σ(z_f)·c + σ(z_i)·tanh(z_c)
  Var h = lstm_cell_output(g[3], c_next);                       // σ(z_o)·tanh(c_next)
  Var plain = sigmoid(g[3]) * tanh(sigmoid(g[1]) * c + sigmoid(g[0]) * tanh(g[2]));
  backward(sum(h));
  // end
  BOOST_TEST(h.value().to_vector() == plain.value().to_vector(), tt::tolerance(1e-6) << tt::per_element());
  BOOST_TEST(z.grad().shape() == (Shape{2, 12}));
  BOOST_TEST(c.grad().defined());
}

BOOST_AUTO_TEST_CASE(vjp) {
  // guide: vjp
  Var x(Tensor::from({1.0, 2.0, 3.0}, {3}, DType::f64), true);
  Var y = x * x;                                                // not a scalar
  Var v(Tensor::from({1.0, 0.0, -1.0}, {3}, DType::f64));
  Var vjp = grad(y, {x}, {.seed = v})[0];                       // [2, 0, -6]
  // end
  BOOST_TEST(vjp.value().to_vector() == (std::vector<double>{2, 0, -6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(higher_order) {
  // guide: higher order
  Var x(Tensor::scalar(2.0, DType::f64), true);
  Var y = x * x * x;
  Var dy = grad(y, {x}, {.create_graph = true})[0];             // 3x² = 12, itself on the tape
  Var d2y = grad(dy, {x})[0];                                   // 6x = 12
  auto f = [](const Var& v) { return sum(v * v * v); };
  Tensor hv = hvp(f, Tensor::from({1.0, 2.0}, {2}, DType::f64), Tensor::from({1.0, 1.0}, {2}, DType::f64));
  Tensor H = hessian(f, Tensor::from({1.0, 2.0}, {2}, DType::f64));   // diag(6, 12)
  Tensor J = jacobian([](const Var& v) { return exp(v); }, Tensor::from({0.0, 1.0}, {2}, DType::f64));
  // end
  BOOST_TEST(dy.item() == 12.0);
  BOOST_TEST(d2y.item() == 12.0);
  BOOST_TEST(hv.to_vector() == (std::vector<double>{6, 12}), tt::per_element());
  BOOST_TEST(H.to_vector() == (std::vector<double>{6, 0, 0, 12}), tt::per_element());
  BOOST_TEST(J.at({1, 1}) == std::exp(1.0), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(checkpointing) {
  const TapeScope tape;
  // guide: checkpointing
  Var x(Tensor::from({0.5, -1.0}, {1, 2}, DType::f64), true);
  Var w(Tensor::from({1.0, 2.0, 3.0, 4.0}, {2, 2}, DType::f64), true);
  auto block = [](const std::vector<Var>& in) { return tanh(matmul(in[0], in[1])); };
  Var y = checkpoint(block, {x, w});                            // one node on the tape
  backward(sum(y * y));                                         // runs block again, then its VJPs
  // end
  const Var x2(x.value(), true), w2(w.value(), true);
  backward(sum(block({x2, w2}) * block({x2, w2})));
  BOOST_TEST(x.grad().to_vector() == x2.grad().to_vector(), tt::per_element());
  BOOST_TEST(w.grad().to_vector() == w2.grad().to_vector(), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gradcheck_) {
  // guide: gradcheck
  const Function my_loss = [](const std::vector<Var>& in) {
    return mean(softplus(in[0] * in[1]) - in[0]);
  };
  Generator gen(0);
  const std::vector<Tensor> inputs = {randn({3, 4}, gen, DType::f64), randn({4}, gen, DType::f64)};
  GradcheckOptions options;
  options.name = "my_loss";
  GradcheckResult result = gradcheck(my_loss, inputs, options);   // in a Boost.Test case: BOOST_TEST(result);
  GradcheckResult second = gradgradcheck(my_loss, inputs, options);
  // end
  BOOST_TEST(result.ok, result.report);
  BOOST_TEST(second.ok, second.report);
}

BOOST_AUTO_TEST_CASE(graph) {
  // guide: graph
  TapeScope scope;
  Var w(ones({3, 2}), true);
  w.set_name("w");
  Var loss = sum(relu(matmul(Var(ones({4, 3})), w)));
  std::ostringstream dot;
  write_dot(dot, to_graph(loss));                               // Graphviz: op, shape, dtype per node
  std::vector<Var> params = leaves_of(loss);                    // which leaves the loss depends on
  bool uses_w = depends_on(loss, w);
  // end
  BOOST_TEST(uses_w);
  BOOST_TEST(params.size() == 1u);
  BOOST_TEST(dot.str().find("matmul") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_guide_snippet_is_tested_verbatim) {
  BOOST_TEST(testing::check_guide_snippets("docs/autodiff.md", "tests/autodiff/guide_test.cpp") == 9);
}
