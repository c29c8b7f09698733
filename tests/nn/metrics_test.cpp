// Metrics: batch sums of per-sample scores on small hand cases.
#include <boost/test/unit_test.hpp>

#include "nn/metrics.hpp"

using namespace autodiff;
namespace tt = boost::test_tools;

namespace {
Tensor t(std::initializer_list<double> v, const Shape& s) { return Tensor::from(v, s); }

// Rows 0 and 2 are right (argmax 1 and 0), row 1 is wrong (argmax 2, true 0).
const Tensor kPred = t({0.1, 0.8, 0.1, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1}, {3, 3});
const Tensor kOneHot = t({0, 1, 0, 1, 0, 0, 1, 0, 0}, {3, 3});
const Tensor kLabels = t({1, 0, 0}, {3});
}  // namespace

BOOST_AUTO_TEST_CASE(categorical_accuracy_counts_matching_argmax_rows) {
  BOOST_TEST(nn::Metric("categorical_accuracy").batch_sum(kOneHot, kPred) == 2.0);
}

BOOST_AUTO_TEST_CASE(sparse_categorical_accuracy_compares_labels_with_argmax) {
  const nn::Metric m("sparse_categorical_accuracy");
  BOOST_TEST(m.batch_sum(kLabels, kPred) == 2.0);
  BOOST_TEST(m.batch_sum(t({1, 2, 0}, {3, 1}), kPred) == 3.0);
}

BOOST_AUTO_TEST_CASE(accuracy_picks_categorical_or_sparse_from_y_true_shape) {
  const nn::Metric m("accuracy");
  BOOST_TEST(m.batch_sum(kOneHot, kPred) == 2.0);
  BOOST_TEST(m.batch_sum(kLabels, kPred) == 2.0);
  BOOST_TEST(m.batch_sum(t({1, 2, 1}, {3}), kPred) == 2.0);
}

BOOST_AUTO_TEST_CASE(accuracy_of_a_single_output_is_binary_accuracy) {
  const Tensor pred = t({0.9, 0.2, 0.6, 0.4}, {4, 1});
  BOOST_TEST(nn::Metric("accuracy").batch_sum(t({1, 0, 0, 0}, {4}), pred) == 3.0);
}

BOOST_AUTO_TEST_CASE(binary_accuracy_thresholds_at_one_half_and_averages_each_row) {
  const Tensor pred = t({0.9, 0.2, 0.6, 0.5}, {2, 2});
  // Row 0: both right → 1; row 1: 0.6 vs 0 wrong, 0.5 is not > 0.5 so 0 vs 1 wrong → 0.
  BOOST_TEST(nn::Metric("binary_accuracy").batch_sum(t({1, 0, 0, 1}, {2, 2}), pred) == 1.0);
  BOOST_TEST(nn::metrics::binary_accuracy(t({1, 0, 0, 1}, {2, 2}), pred, 0.4) == 1.5);
}

BOOST_AUTO_TEST_CASE(mse_and_mae_sum_per_sample_means) {
  const Tensor y = t({0, 0, 1, 1}, {2, 2}), p = t({1, -1, 1, 3}, {2, 2});
  BOOST_TEST(nn::Metric("mse").batch_sum(y, p) == (1 + 1) / 2.0 + (0 + 4) / 2.0, tt::tolerance(1e-6));
  BOOST_TEST(nn::Metric("mae").batch_sum(y, p) == (1 + 1) / 2.0 + (0 + 2) / 2.0, tt::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(top_k_accuracy_counts_true_class_among_the_k_highest) {
  const Tensor pred = t({0.1, 0.2, 0.3, 0.4, 0.4, 0.3, 0.2, 0.1}, {2, 4});
  const Tensor labels = t({1, 1}, {2});  // rank 3 in row 0, rank 2 in row 1
  BOOST_TEST(nn::metrics::top_k_accuracy(labels, pred, 1) == 0.0);
  BOOST_TEST(nn::metrics::top_k_accuracy(labels, pred, 2) == 1.0);
  BOOST_TEST(nn::metrics::top_k_accuracy(labels, pred, 3) == 2.0);
  BOOST_TEST(nn::metrics::top_k_accuracy(t({0, 1, 0, 0, 0, 1, 0, 0}, {2, 4}), pred, 2) == 1.0);
}

BOOST_AUTO_TEST_CASE(top_k_accuracy_defaults_to_k_five) {
  const Tensor pred = t({0.6, 0.5, 0.4, 0.3, 0.2, 0.1}, {1, 6});
  BOOST_TEST(nn::Metric("top_k_accuracy").batch_sum(t({4}, {1}), pred) == 1.0);
  BOOST_TEST(nn::Metric("top_k_accuracy").batch_sum(t({5}, {1}), pred) == 0.0);
  const nn::Metric top2 = nn::metrics::top_k_accuracy(2);
  BOOST_TEST(top2.name() == "top_2_accuracy");
  BOOST_TEST(top2.batch_sum(t({1}, {1}), pred) == 1.0);
}

BOOST_AUTO_TEST_CASE(custom_metric_is_called_with_values) {
  const nn::Metric count("count", [](const Tensor&, const Tensor& p) { return static_cast<double>(p.size(0)); });
  BOOST_TEST(count.batch_sum(kLabels, kPred) == 3.0);
  BOOST_TEST(count.name() == "count");
}

BOOST_AUTO_TEST_CASE(unknown_metric_name_lists_the_known_ones) {
  BOOST_CHECK_EXCEPTION(nn::Metric("acuracy"), ValueError, [](const ValueError& e) {
    return std::string(e.what()).find("sparse_categorical_accuracy") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(mismatched_batch_sizes_are_a_shape_error) {
  BOOST_CHECK_THROW(nn::Metric("sparse_categorical_accuracy").batch_sum(t({1, 0}, {2}), kPred), ShapeError);
  BOOST_CHECK_THROW(nn::Metric("mse").batch_sum(t({1, 0}, {2, 1}), kPred), ShapeError);
}
