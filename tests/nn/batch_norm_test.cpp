// BatchNormalization: batch statistics in training with a momentum update of
// the moving statistics, the moving statistics in eval, gradients in f64.
#include <boost/test/unit_test.hpp>

#include "nn/layers/batch_norm.hpp"
#include "tests/message.hpp"

using namespace autodiff;
namespace tt = boost::test_tools;

namespace {
using testing::message_has;
// Columns {1, 3} and {2, 6}: means 2 and 4, biased variances 1 and 4.
Tensor two_features() { return Tensor::from({1, 2, 3, 6}, {2, 2}, DType::f64); }
}  // namespace

BOOST_AUTO_TEST_CASE(parameters_are_named_like_keras_and_moving_stats_are_buffers) {
  nn::BatchNormalization bn;
  (void)bn(Var(randn({4, 3, 5})));
  const nn::NamedParams trainable = bn.named_parameters(), buffers = bn.named_buffers();
  BOOST_REQUIRE_EQUAL(trainable.size(), 2u);
  BOOST_TEST(trainable[0].first == "gamma");
  BOOST_TEST(trainable[1].first == "beta");
  BOOST_REQUIRE_EQUAL(buffers.size(), 2u);
  BOOST_TEST(buffers[0].first == "moving_mean");
  BOOST_TEST(buffers[1].first == "moving_variance");
  BOOST_TEST(!buffers[0].second.requires_grad());
  BOOST_TEST(bn.count_params() == 20);
  BOOST_TEST(bn.count_trainable_params() == 10);
  BOOST_TEST(bn.gamma().shape() == Shape{5});
}

BOOST_AUTO_TEST_CASE(training_normalizes_by_batch_statistics) {
  nn::BatchNormalization bn({.epsilon = 1e-3});
  const Tensor y = bn(Var(two_features())).value();
  BOOST_TEST(y.at({0, 0}) == -1 / std::sqrt(1 + 1e-3), tt::tolerance(1e-12));
  BOOST_TEST(y.at({1, 0}) == 1 / std::sqrt(1 + 1e-3), tt::tolerance(1e-12));
  BOOST_TEST(y.at({0, 1}) == -2 / std::sqrt(4 + 1e-3), tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(training_moves_the_statistics_with_momentum) {
  nn::BatchNormalization bn({.momentum = 0.9});
  (void)bn(Var(two_features()));
  BOOST_TEST(bn.moving_mean().value().at({0}) == 0.1 * 2, tt::tolerance(1e-12));
  BOOST_TEST(bn.moving_mean().value().at({1}) == 0.1 * 4, tt::tolerance(1e-12));
  BOOST_TEST(bn.moving_variance().value().at({0}) == 0.9 + 0.1 * 1, tt::tolerance(1e-12));
  BOOST_TEST(bn.moving_variance().value().at({1}) == 0.9 + 0.1 * 4, tt::tolerance(1e-12));
  (void)bn(Var(two_features()));
  BOOST_TEST(bn.moving_mean().value().at({0}) == 0.9 * 0.2 + 0.1 * 2, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(eval_uses_moving_statistics_and_leaves_them) {
  nn::BatchNormalization bn({.momentum = 0.5});
  (void)bn(Var(two_features()));  // moving mean {1, 2}, moving variance {1, 2.5}
  bn.eval();
  const Tensor y = bn(Var(two_features())).value();
  BOOST_TEST(y.at({0, 0}) == (1 - 1) / std::sqrt(1 + 1e-3), tt::tolerance(1e-12));
  BOOST_TEST(y.at({1, 1}) == (6 - 2) / std::sqrt(2.5 + 1e-3), tt::tolerance(1e-12));
  BOOST_TEST(bn.moving_mean().value().at({1}) == 2.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(axis_picks_the_feature_axis) {
  nn::BatchNormalization bn({.axis = 1});
  const Var y = bn(Var(randn({4, 3, 5})));
  BOOST_TEST(y.shape() == (Shape{4, 3, 5}));
  BOOST_TEST(bn.moving_mean().shape() == Shape{3});
  const Tensor per_feature = mean(y, {0, 2}).value();
  for (int64_t c = 0; c < 3; ++c) BOOST_TEST(per_feature.at({c}) == 0.0, tt::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(training_gradient_matches_finite_differences) {
  Generator gen(5);
  const GradcheckResult r = gradcheck(
      [](const std::vector<Var>& in) { return nn::batch_norm(in[0], in[1], in[2], -1, 1e-3).y; },
      {randn({4, 2, 3}, gen, DType::f64), randn({3}, gen, DType::f64), randn({3}, gen, DType::f64)},
      {.name = "batch_norm"});
  BOOST_TEST(r.ok, r.report);
}

BOOST_AUTO_TEST_CASE(layer_gradient_with_respect_to_input) {
  nn::BatchNormalization bn;
  bn.set_dtype(DType::f64);
  Generator gen(6);
  // The layer's gamma is 1, so the output is weighted to make the loss depend on more than the mean.
  const Tensor w = randn({5, 3}, gen, DType::f64);
  const GradcheckResult r = gradcheck([&](const std::vector<Var>& in) { return bn(in[0]) * Var(w); },
                                      {randn({5, 3}, gen, DType::f64)}, {.name = "BatchNormalization"});
  BOOST_TEST(r.ok, r.report);
}

BOOST_AUTO_TEST_CASE(bad_axis_and_features_are_shape_errors) {
  nn::BatchNormalization batch_axis({.axis = 0});
  BOOST_CHECK_EXCEPTION(batch_axis.output_shape({3}), ShapeError,
                        [](const Error& e) { return message_has(e, "axis 0 is not a feature axis"); });
  nn::BatchNormalization bn;
  (void)bn(Var(randn({2, 3})));
  BOOST_CHECK_EXCEPTION(bn(Var(randn({2, 4}))), ShapeError,
                        [](const Error& e) { return message_has(e, "built for 3 features"); });
}
