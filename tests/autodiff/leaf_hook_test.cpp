// GradOptions::on_leaf_grad: the hook a data-parallel strategy uses to start an allreduce during backward.
#include <boost/test/unit_test.hpp>

#include <map>
#include <vector>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

BOOST_AUTO_TEST_CASE(on_leaf_grad_fires_once_per_leaf_with_its_final_grad) {
  Var a(Tensor::from({2.0, 3.0}, {2}, DType::f64), true);
  Var b(Tensor::from({0.5, -1.0}, {2}, DType::f64), true);
  Var frozen(Tensor::from({1.0, 1.0}, {2}, DType::f64));  // no grad: never reported
  // a fans out three ways (one use after b's), so its sum is only final once the sweep passes its node.
  const Var y = sum(a * a + a * b + exp(a * b) * frozen + a);
  std::map<const void*, int> calls;
  std::map<const void*, std::vector<double>> seen;
  backward(y, {.on_leaf_grad = [&](const Var& leaf) {
             ++calls[leaf.impl()];
             seen[leaf.impl()] = leaf.grad().to_vector();
           }});
  BOOST_TEST(calls.size() == 2u);
  BOOST_TEST(calls[a.impl()] == 1);
  BOOST_TEST(calls[b.impl()] == 1);
  BOOST_TEST(seen[a.impl()] == a.grad().to_vector(), boost::test_tools::per_element());
  BOOST_TEST(seen[b.impl()] == b.grad().to_vector(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(on_leaf_grad_sees_the_grad_accumulated_over_backward_calls) {
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  backward(sum(x * x));  // 2x
  std::vector<double> seen;
  backward(sum(x * 3.0), {.on_leaf_grad = [&](const Var& leaf) { seen = leaf.grad().to_vector(); }});
  BOOST_TEST(seen == (std::vector<double>{5.0, 7.0}), boost::test_tools::per_element());
}

// GradOptions::leaf_grad_out: a leaf's gradient lands in the caller's tensor; matmul's VJP writes it there itself.
BOOST_AUTO_TEST_CASE(leaf_grad_out_receives_the_gradient_written_in_place_by_matmul) {
  Generator gen(3);
  const Var x(rand({4, 3}, gen, DType::f64));
  Var w(rand({3, 2}, gen, DType::f64), true), bias(rand({2}, gen, DType::f64), true);
  const auto loss = [&] { return sum(tanh(addmm(bias, x, w))); };
  backward(loss());
  const std::vector<double> w_expected = w.grad().to_vector(), b_expected = bias.grad().to_vector();
  w.zero_grad(), bias.zero_grad();
  const Tensor w_out = zeros({3, 2}, DType::f64), b_out = zeros({2}, DType::f64);
  const void* seen = nullptr;  // where w's grad was when the hook saw it
  backward(loss(), {.on_leaf_grad = [&](const Var& leaf) {
                      if (leaf.impl() == w.impl()) seen = leaf.grad().storage()->data();
                    },
                    .leaf_grad_out = [&](const Var& leaf) {
                      return leaf.impl() == w.impl() ? w_out : leaf.impl() == bias.impl() ? b_out : Tensor();
                    }});
  BOOST_TEST(seen == w_out.storage()->data());  // the VJP's gemm wrote it there
  BOOST_TEST(w_out.to_vector() == w_expected, boost::test_tools::per_element());
  BOOST_TEST(b_out.to_vector() == b_expected, boost::test_tools::per_element());  // copied there
  BOOST_TEST(bias.grad().storage()->data() == b_out.storage()->data());
}

BOOST_AUTO_TEST_CASE(leaf_grad_out_is_offered_once_for_x_times_x_and_skipped_when_grad_is_set) {
  Var x(Tensor::from({1.0, 2.0}, {1, 2}, DType::f64), true);
  const Tensor out = zeros({1, 2}, DType::f64);
  const auto dest = [&](const Var&) { return out; };
  backward(sum(matmul(transpose(x), x)), {.leaf_grad_out = dest});  // d/dx sum(xᵀx) = 2·sum(x)
  BOOST_TEST(out.to_vector() == (std::vector<double>{6.0, 6.0}), boost::test_tools::per_element());
  backward(sum(x * 3.0), {.leaf_grad_out = dest});  // accumulates onto grad() (out), into a new tensor
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{9.0, 9.0}), boost::test_tools::per_element());
  BOOST_TEST(out.to_vector() == (std::vector<double>{6.0, 6.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(scale_multiplies_every_gradient) {
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  backward(sum(x * x), {.scale = 0.25});
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{0.5, 1.0}), boost::test_tools::per_element());
}
