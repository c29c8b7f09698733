#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "nn/nn.hpp"
#include "tests/message.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

using testing::message_has;

std::vector<double> values(const Tensor& t) { return t.to_vector(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(initializers)

BOOST_AUTO_TEST_CASE(glorot_uniform_stays_within_its_bound) {
  autodiff::Generator gen(1);
  const std::vector<double> v = values(nn::initialize("glorot_uniform", {300, 200}, gen));
  const double limit = std::sqrt(6.0 / 500.0);
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  BOOST_TEST(*lo >= -limit);
  BOOST_TEST(*hi <= limit);
  BOOST_TEST(*hi > 0.99 * limit);  // the whole range is used
}

BOOST_AUTO_TEST_CASE(glorot_uniform_uses_the_receptive_field_for_conv_kernels) {
  autodiff::Generator gen(2);
  const std::vector<double> v = values(nn::initialize("glorot_uniform", {3, 3, 4, 8}, gen));
  const double limit = std::sqrt(6.0 / (9 * 4 + 9 * 8));
  BOOST_TEST(*std::max_element(v.begin(), v.end()) <= limit);
  BOOST_TEST(*std::max_element(v.begin(), v.end()) > 0.95 * limit);
}

BOOST_AUTO_TEST_CASE(he_normal_has_keras_variance_and_truncation) {
  autodiff::Generator gen(3);
  const std::vector<double> v = values(nn::initialize("he_normal", {400, 300}, gen, DType::f64));
  double ss = 0;
  for (double x : v) ss += x * x;
  const double stddev = std::sqrt(ss / double(v.size())), target = std::sqrt(2.0 / 400);
  BOOST_TEST(std::abs(stddev - target) < 0.02 * target);
  const double cut = 2 * target / 0.87962566103423978;
  for (double x : v) BOOST_REQUIRE(std::abs(x) <= cut);
}

BOOST_AUTO_TEST_CASE(orthogonal_columns_and_rows_are_orthonormal) {
  autodiff::Generator gen(4);
  for (const Shape& s : {Shape{20, 10}, Shape{10, 20}}) {
    const Var w(nn::initialize("orthogonal", s, gen, DType::f64));
    const Var gram =
        s[0] >= s[1] ? autodiff::matmul(autodiff::transpose(w), w) : autodiff::matmul(w, autodiff::transpose(w));
    const std::vector<double> g = values(gram.value());
    const int64_t n = std::min(s[0], s[1]);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) BOOST_TEST(std::abs(g[size_t(i * n + j)] - (i == j ? 1.0 : 0.0)) < 1e-10);
  }
}

BOOST_AUTO_TEST_CASE(zeros_and_ones_are_constant) {
  autodiff::Generator gen(5);
  for (double v : values(nn::initialize("ones", {3, 2}, gen))) BOOST_TEST(v == 1.0);
  for (double v : values(nn::initialize("zeros", {3}, gen))) BOOST_TEST(v == 0.0);
}

BOOST_AUTO_TEST_CASE(unknown_initializer_lists_the_known_names) {
  autodiff::Generator gen;
  BOOST_CHECK_EXCEPTION(nn::initialize("glorot", {2, 2}, gen), autodiff::ValueError,
                        message_has({"'glorot'", "glorot_uniform", "orthogonal"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(activations)

BOOST_AUTO_TEST_CASE(known_activations_give_known_values) {
  const Var x(Tensor::from({-1.0, 0.0, 2.0}, {3}, DType::f64));
  BOOST_TEST(values(nn::activation("relu")(x).value()) == (std::vector<double>{0, 0, 2}),
             boost::test_tools::per_element());
  BOOST_TEST(values(nn::activation("linear")(x).value()) == (std::vector<double>{-1, 0, 2}),
             boost::test_tools::per_element());
  BOOST_TEST(nn::activation("sigmoid")(x).value().at({1}) == 0.5);
  BOOST_TEST(nn::activation("tanh")(x).value().at({1}) == 0.0);
  BOOST_TEST(std::abs(nn::activation("softmax")(x).value().to_vector()[2] -
                      std::exp(2) / (std::exp(-1) + 1 + std::exp(2))) < 1e-12);
  BOOST_TEST(std::abs(nn::activation("elu")(x).value().at({0}) - (std::exp(-1) - 1)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(unknown_activation_lists_the_known_names) {
  BOOST_CHECK_EXCEPTION(nn::Activation("rectifier"), autodiff::ValueError,
                        message_has({"'rectifier'", "relu", "softmax"}));
}

BOOST_AUTO_TEST_CASE(dense_applies_its_activation) {
  nn::Dense d(3, {.activation = "relu", .kernel_initializer = "ones", .bias_initializer = "ones"});
  const Var y = d(Var(autodiff::full({1, 2}, -5.0)));
  for (double v : values(y.value())) BOOST_TEST(v == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
