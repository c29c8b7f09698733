// nn's composites at their kinks: slopes where the function they stand for is smooth (the logits loss at
// 0), and torch's convention where it is not (relu6 and hard_sigmoid are flat at their corners, as relu is
// at 0 and torch's hardtanh family is). The autodiff ops' own kinks: tests/autodiff/kinks_test.cpp.
#include <boost/test/unit_test.hpp>

#include <functional>

#include "autodiff/autodiff.hpp"
#include "nn/layers/activation.hpp"
#include "nn/losses/functions.hpp"

using namespace autodiff;

namespace {
double slope(const std::function<Var(const Var&)>& f, double at) {
  const Var x(Tensor::from({at}, {1}, DType::f64), true);
  return grad(sum(f(x)), {x})[0].value().to_vector()[0];
}
}  // namespace

BOOST_AUTO_TEST_CASE(relu6_and_hard_sigmoid_are_flat_at_their_corners) {
  const auto relu6 = nn::activation("relu6"), hard_sigmoid = nn::activation("hard_sigmoid");
  for (double at : {0.0, 6.0}) BOOST_TEST(slope(relu6, at) == 0.0);
  BOOST_TEST(slope(relu6, 3.0) == 1.0);
  for (double at : {-2.5, 2.5}) BOOST_TEST(slope(hard_sigmoid, at) == 0.0);
  BOOST_TEST(slope(hard_sigmoid, 0.0) == 0.2, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(nn::activation("relu6")(Var(Tensor::from({-1.0, 0.0, 6.0, 7.0}, {4}, DType::f64))).value().to_vector() ==
                 (std::vector<double>{0.0, 0.0, 6.0, 6.0}),
             boost::test_tools::per_element());
}

// d/dl of softplus(l) − l·t is σ(l) − t, also at l = 0 where relu(l) + ln(1 + e^−|l|) would give −t.
BOOST_AUTO_TEST_CASE(binary_crossentropy_from_logits_has_the_sigmoid_slope_at_zero) {
  const Var t(Tensor::from({1.0}, {1}, DType::f64));
  BOOST_TEST(slope([&](const Var& l) { return nn::losses::binary_crossentropy_from_logits(t, l); }, 0.0) == -0.5);
  BOOST_TEST(slope([](const Var& x) { return nn::activation("softplus")(x); }, 0.0) == 0.5);
}
