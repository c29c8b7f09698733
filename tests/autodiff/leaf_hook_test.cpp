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
