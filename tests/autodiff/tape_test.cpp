#include <boost/test/unit_test.hpp>

#include "autodiff/autodiff.hpp"
#include "tests/message.hpp"

using namespace autodiff;

namespace {
using testing::message_has;
}  // namespace

BOOST_AUTO_TEST_CASE(backward_accumulates_fan_out) {
  Var x(Tensor::from({2.0, 3.0}, {2}, DType::f64), true);
  Var y = sum(x * x + x);  // dy/dx = 2x + 1
  backward(y);
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{5.0, 7.0}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_across_backward_calls) {
  Var x(Tensor::from({1.0, -1.0}, {2}, DType::f64), true);
  backward(sum(x * 3.0));
  backward(sum(x * 2.0));
  BOOST_TEST(x.grad().to_vector() == (std::vector<double>{5.0, 5.0}), boost::test_tools::per_element());
  x.zero_grad();
  BOOST_TEST(!x.grad().defined());
}

BOOST_AUTO_TEST_CASE(long_chain_backward_does_not_recurse) {
  Var x(Tensor::scalar(1.0, DType::f64), true);
  Var y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0;
  backward(y);
  BOOST_TEST(x.grad().item() == 1.0);
}

BOOST_AUTO_TEST_CASE(stale_var_after_clear_is_an_error) {
  Var x(Tensor::scalar(2.0), true);
  Var y = x * x;
  backward(y);  // clears the tape
  BOOST_CHECK_EXCEPTION(backward(y), TapeError, [](const Error& e) { return message_has(e, "stale Var"); });
  BOOST_CHECK_EXCEPTION(y * 2.0, TapeError, [](const Error& e) { return message_has(e, "stale Var"); });
}

BOOST_AUTO_TEST_CASE(backward_of_non_scalar_needs_a_seed) {
  Var x(ones({2, 3}), true);
  Var y = x * 2.0;
  BOOST_CHECK_EXCEPTION(backward(y), TapeError, [](const Error& e) { return message_has(e, "not a scalar (shape [2, 3])"); });
  backward(y, {.seed = Var(ones({2, 3}))});
  BOOST_TEST(x.grad().to_vector() == std::vector<double>(6, 2.0), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mixing_tapes_is_detected) {
  Var x(ones({2}), true);
  Var y = x * 2.0;  // on the default tape
  TapeScope scope;
  BOOST_CHECK_EXCEPTION(y * 3.0, TapeError, [](const Error& e) { return message_has(e, "mixing tapes"); });
}

BOOST_AUTO_TEST_CASE(no_grad_records_nothing) {
  TapeScope scope;
  Var x(ones({2}), true);
  {
    NoGrad guard;
    Var y = x * 2.0;
    BOOST_TEST(!y.requires_grad());
  }
  BOOST_TEST(scope.tape().size() == 0);
  Var z = x * 2.0;
  BOOST_TEST(z.requires_grad());
  BOOST_TEST(scope.tape().size() == 2);  // the leaf and the mul
}

BOOST_AUTO_TEST_CASE(grad_of_grad) {
  Var x(Tensor::scalar(3.0, DType::f64), true);
  Var y = x * x * x;  // y' = 3x², y'' = 6x
  Var g = grad(y, {x}, {.create_graph = true})[0];
  BOOST_TEST(g.item() == 27.0);
  Var h = grad(g, {x})[0];
  BOOST_TEST(h.item() == 18.0);
}

BOOST_AUTO_TEST_CASE(dtype_mixing_is_a_value_error) {
  Var a(ones({2}, DType::f32)), b(ones({2}, DType::f64));
  BOOST_CHECK_EXCEPTION(a + b, ValueError,
                        [](const Error& e) { return message_has(e, "add: dtypes differ; got float32 [2] and float64 [2]"); });
}

BOOST_AUTO_TEST_CASE(gradient_of_a_leaf_with_respect_to_itself_is_the_seed) {
  TapeScope scope;
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true), other(ones({2}, DType::f64), true);
  const Var seed(Tensor::from({3.0, 4.0}, {2}, DType::f64));
  const auto g = grad(x, {x, other}, {.seed = seed});
  BOOST_TEST(g[0].value().to_vector() == seed.value().to_vector(), boost::test_tools::per_element());
  BOOST_TEST(g[1].value().to_vector() == std::vector<double>(2, 0.0), boost::test_tools::per_element());
}
