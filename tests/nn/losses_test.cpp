// GCC 12 at -O3 warns -Wrestrict inside Boost's data-test-case naming (a false positive, GCC bug 105651).
// Losses: known values from hand computation, one f64 gradient-check row per
// loss (y_true held constant), stability from logits, and the name registry.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <ostream>

#include "nn/losses/loss.hpp"
#include "nn/losses/functions.hpp"

using namespace autodiff;
namespace bdata = boost::unit_test::data;
namespace losses = nn::losses;

namespace {

Tensor f64(std::initializer_list<double> v, const Shape& s) { return Tensor::from(v, s, DType::f64); }

double value(const nn::Loss& loss, const Tensor& y_true, const Tensor& y_pred) {
  return loss(Var(y_true), Var(y_pred)).item();
}

// Focal loss written by the user: −Σ y·(1 − p)^γ·log p, averaged over the batch.
Var focal(const Var& y_true, const Var& y_pred) {
  return mean(sum(-(y_true * pow(1.0 - y_pred, 2.0) * log(y_pred)), {-1}));
}

const Tensor kOneHot = f64({0, 1, 0, 1, 0, 0}, {2, 3});
const Tensor kProbs = f64({0.2, 0.7, 0.1, 0.5, 0.25, 0.25}, {2, 3});
const Tensor kLabels = f64({1, 0}, {2});

struct GradRow {
  std::string name;
  nn::Loss loss;
  Tensor y_true;
  Tensor y_pred;
};
std::ostream& operator<<(std::ostream& os, const GradRow& r) { return os << r.name; }

std::vector<GradRow> grad_rows() {
  const Tensor logits = f64({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  const Tensor reg_true = f64({1, 2, 3, 4}, {2, 2});
  const Tensor reg_pred = f64({1.5, 2.3, 2.0, 5.7}, {2, 2});  // errors 0.5, 0.3, −1, 1.7: off huber's kinks
  const Tensor bin_true = f64({1, 0, 0, 1}, {4, 1});
  const Tensor bin_pred = f64({0.8, 0.3, 0.6, 0.45}, {4, 1});
  return {
      {"mse", "mse", reg_true, reg_pred},
      {"mae", "mae", reg_true, reg_pred},
      {"huber", "huber", reg_true, reg_pred},
      {"categorical_crossentropy", "categorical_crossentropy", kOneHot, kProbs},
      {"categorical_crossentropy_from_logits", "categorical_crossentropy_from_logits", kOneHot, logits},
      {"sparse_categorical_crossentropy", "sparse_categorical_crossentropy", kLabels, kProbs},
      {"sparse_categorical_crossentropy_from_logits", "sparse_categorical_crossentropy_from_logits", kLabels, logits},
      {"binary_crossentropy", "binary_crossentropy", bin_true, bin_pred},
      {"binary_crossentropy_from_logits", "binary_crossentropy_from_logits", bin_true, f64({2, -1, 0.5, -3}, {4, 1})},
      {"focal (custom)", nn::Loss(focal), kOneHot, kProbs},
  };
}

}  // namespace

BOOST_AUTO_TEST_CASE(mse_is_mean_of_squared_errors) {
  const double v = value("mse", f64({1, 2, 3, 4}, {2, 2}), f64({1.5, 2, 2, 5}, {2, 2}));
  BOOST_TEST(v == (0.25 + 0 + 1 + 1) / 4, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(mae_is_mean_of_absolute_errors) {
  const double v = value("mae", f64({1, 2, 3, 4}, {2, 2}), f64({1.5, 2, 2, 5}, {2, 2}));
  BOOST_TEST(v == (0.5 + 0 + 1 + 1) / 4, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(huber_is_quadratic_below_delta_and_linear_above) {
  // Errors 0.5 (→ 0.125) and 2 (→ 1·(2 − 0.5) = 1.5).
  const double v = value("huber", f64({0, 0}, {2, 1}), f64({0.5, -2}, {2, 1}));
  BOOST_TEST(v == (0.125 + 1.5) / 2, boost::test_tools::tolerance(1e-12));
  const double wide = losses::huber(Var(f64({0}, {1, 1})), Var(f64({2}, {1, 1})), 3.0).item();
  BOOST_TEST(wide == 2.0, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_from_probabilities_averages_per_sample_sums) {
  const double v = value("categorical_crossentropy", kOneHot, kProbs);
  BOOST_TEST(v == -(std::log(0.7) + std::log(0.5)) / 2, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_clips_zero_probabilities_to_epsilon) {
  const double v = value("categorical_crossentropy", f64({0, 1}, {1, 2}), f64({1, 0}, {1, 2}));
  BOOST_TEST(v == -std::log(1e-7), boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(categorical_crossentropy_from_logits_matches_log_softmax) {
  const double v = value("categorical_crossentropy_from_logits", f64({0, 1, 0}, {1, 3}), f64({1, 2, 3}, {1, 3}));
  BOOST_TEST(v == std::log(std::exp(1) + std::exp(2) + std::exp(3)) - 2, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sparse_categorical_crossentropy_equals_the_one_hot_form) {
  const double expected = -(std::log(0.7) + std::log(0.5)) / 2;
  BOOST_TEST(value("sparse_categorical_crossentropy", kLabels, kProbs) == expected,
             boost::test_tools::tolerance(1e-12));
  BOOST_TEST(value("sparse_categorical_crossentropy", f64({1, 0}, {2, 1}), kProbs) == expected,
             boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sparse_categorical_crossentropy_from_logits_picks_the_labelled_class) {
  const double v = value("sparse_categorical_crossentropy_from_logits", f64({2}, {1}), f64({1, 2, 3}, {1, 3}));
  BOOST_TEST(v == std::log(std::exp(1) + std::exp(2) + std::exp(3)) - 3, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_from_probabilities) {
  const double v = value("binary_crossentropy", f64({1, 0}, {2, 1}), f64({0.8, 0.3}, {2, 1}));
  BOOST_TEST(v == -(std::log(0.8) + std::log(0.7)) / 2, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_accepts_flat_targets_for_a_column_prediction) {
  const double v = value("binary_crossentropy", f64({1, 0}, {2}), f64({0.8, 0.3}, {2, 1}));
  BOOST_TEST(v == -(std::log(0.8) + std::log(0.7)) / 2, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(binary_crossentropy_from_logits_equals_crossentropy_of_sigmoid) {
  const double v = value("binary_crossentropy_from_logits", f64({1, 0}, {2, 1}), f64({2, -1}, {2, 1}));
  const double p0 = 1 / (1 + std::exp(-2.0)), p1 = 1 / (1 + std::exp(1.0));
  BOOST_TEST(v == -(std::log(p0) + std::log(1 - p1)) / 2, boost::test_tools::tolerance(1e-12));
}

BOOST_DATA_TEST_CASE(loss_gradients_match_finite_differences, bdata::make(grad_rows()), row) {
  const Tensor y_true = row.y_true;
  const nn::Loss loss = row.loss;
  GradcheckOptions o;
  o.name = row.name;
  const GradcheckResult r = gradcheck([&](const std::vector<Var>& xs) { return loss(Var(y_true), xs[0]); },
                                      {row.y_pred}, o);
  BOOST_TEST(r.ok, r);
}

BOOST_AUTO_TEST_CASE(from_logits_losses_stay_finite_at_plus_minus_1000) {
  const Var logits(f64({1000, -1000}, {1, 2}), true);
  const Var ce = losses::categorical_crossentropy_from_logits(Var(f64({0, 1}, {1, 2})), logits);
  BOOST_TEST(ce.item() == 2000.0, boost::test_tools::tolerance(1e-12));
  backward(ce);
  BOOST_TEST(all_finite(logits.grad()));

  const Var x(f64({1000, -1000}, {2, 1}), true);
  const Var bce = losses::binary_crossentropy_from_logits(Var(f64({0, 1}, {2, 1})), x);
  BOOST_TEST(bce.item() == 1000.0, boost::test_tools::tolerance(1e-12));
  backward(bce);
  BOOST_TEST(all_finite(x.grad()));
}

BOOST_AUTO_TEST_CASE(custom_callable_is_a_loss) {
  const nn::Loss loss(focal);
  BOOST_TEST(loss.name() == "custom_loss");
  // Per sample −(1 − p)²·log p for the true class.
  const double expected = -(0.09 * std::log(0.7) + 0.25 * std::log(0.5)) / 2;
  BOOST_TEST(value(loss, kOneHot, kProbs) == expected, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(registered_loss_is_found_by_name) {
  BOOST_TEST(!nn::has_loss("focal_test"));
  nn::register_loss("focal_test", focal);
  const nn::Loss loss("focal_test");
  BOOST_TEST(loss.name() == "focal_test");
  BOOST_TEST(value(loss, kOneHot, kProbs) == value(nn::Loss(focal), kOneHot, kProbs));
}

BOOST_AUTO_TEST_CASE(keras_aliases_name_the_same_loss) {
  const Tensor t = f64({1, 2}, {2, 1}), p = f64({0, 4}, {2, 1});
  BOOST_TEST(value("mean_squared_error", t, p) == value("mse", t, p));
  BOOST_TEST(value("mean_absolute_error", t, p) == value("mae", t, p));
}

BOOST_AUTO_TEST_CASE(unknown_loss_name_lists_the_known_ones) {
  BOOST_CHECK_EXCEPTION(nn::Loss("msee"), ValueError, [](const ValueError& e) {
    const std::string what = e.what();
    return what.find("\"msee\"") != std::string::npos && what.find("categorical_crossentropy") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(mismatched_shapes_are_a_shape_error) {
  BOOST_CHECK_THROW(losses::mse(Var(f64({1, 2, 3}, {3})), Var(f64({1, 2}, {2, 1}))), ShapeError);
}

BOOST_AUTO_TEST_CASE(sparse_labels_outside_the_classes_are_a_value_error) {
  BOOST_CHECK_THROW(losses::sparse_categorical_crossentropy(Var(f64({3, 0}, {2})), Var(kProbs)), ValueError);
  BOOST_CHECK_THROW(losses::sparse_categorical_crossentropy(Var(f64({0.5, 0}, {2})), Var(kProbs)), ValueError);
}
