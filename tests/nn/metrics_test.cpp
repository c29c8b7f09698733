// Metrics: batch sums of per-sample scores on small hand cases.
#include <boost/test/unit_test.hpp>

#include "nn/training/metrics.hpp"

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

// Sequence outputs [n, T, k]: the class axis is the last one, and a sample scores the mean over its T positions.
namespace {
// Sample 0: argmax 2, 0, 1 at its three steps; sample 1: argmax 1, 1, 3.
const Tensor kSeqPred = t({0.1, 0.2, 0.6, 0.1, 0.7, 0.1, 0.1, 0.1, 0.2, 0.5, 0.2, 0.1,
                           0.1, 0.6, 0.2, 0.1, 0.3, 0.4, 0.2, 0.1, 0.1, 0.1, 0.1, 0.7},
                          {2, 3, 4});
const Tensor kSeqLabels = t({2, 0, 1, 1, 1, 3}, {2, 3});
// The same labels with sample 1's last two steps wrong: it scores 1/3.
const Tensor kSeqLabelsTwoWrong = t({2, 0, 1, 1, 0, 0}, {2, 3});

Tensor one_hot(const Tensor& labels, int64_t k) {
  std::vector<double> v;
  for (double label : labels.to_vector())
    for (int64_t j = 0; j < k; ++j) v.push_back(j == static_cast<int64_t>(label) ? 1.0 : 0.0);
  Shape s = labels.shape();
  s.push_back(k);
  return Tensor::from(v, s);
}
}  // namespace

BOOST_AUTO_TEST_CASE(categorical_accuracy_of_sequences_takes_argmax_over_the_last_axis) {
  const nn::Metric m("categorical_accuracy");
  BOOST_TEST(m.batch_sum(one_hot(kSeqLabels, 4), kSeqPred) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(m.batch_sum(one_hot(kSeqLabelsTwoWrong, 4), kSeqPred) == 1.0 + 1.0 / 3, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(accuracy_of_sequences_averages_each_sample_over_its_positions) {
  const nn::Metric m("accuracy");
  BOOST_TEST(m.batch_sum(one_hot(kSeqLabels, 4), kSeqPred) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(m.batch_sum(kSeqLabels, kSeqPred) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(m.batch_sum(kSeqLabelsTwoWrong, kSeqPred) == 1.0 + 1.0 / 3, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sparse_categorical_accuracy_of_sequences_takes_labels_with_or_without_a_class_axis) {
  const nn::Metric m("sparse_categorical_accuracy");
  BOOST_TEST(m.batch_sum(kSeqLabels, kSeqPred) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(m.batch_sum(kSeqLabelsTwoWrong.reshape({2, 3, 1}), kSeqPred) == 1.0 + 1.0 / 3, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(top_k_accuracy_of_sequences_ranks_within_each_position) {
  // Sample 1's wrong labels 0, 0 rank 2nd at their steps (a tie counts as in).
  BOOST_TEST(nn::metrics::top_k_accuracy(kSeqLabelsTwoWrong, kSeqPred, 1) == 1.0 + 1.0 / 3, tt::tolerance(1e-12));
  BOOST_TEST(nn::metrics::top_k_accuracy(kSeqLabelsTwoWrong, kSeqPred, 2) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(nn::metrics::top_k_accuracy(one_hot(kSeqLabels, 4), kSeqPred, 1) == 2.0, tt::tolerance(1e-12));
  BOOST_TEST(nn::Metric("sparse_top_k_categorical_accuracy").batch_sum(kSeqLabels, kSeqPred) == 2.0);
}

BOOST_AUTO_TEST_CASE(binary_accuracy_of_sequences_averages_each_sample_over_its_positions) {
  const Tensor pred = t({0.9, 0.1, 0.8, 0.7, 0.2, 0.6}, {2, 3, 1});
  const Tensor truth = t({1, 0, 1, 1, 1, 1}, {2, 3, 1});  // sample 1: step 1 wrong
  BOOST_TEST(nn::Metric("binary_accuracy").batch_sum(truth, pred) == 1.0 + 2.0 / 3, tt::tolerance(1e-12));
  BOOST_TEST(nn::Metric("accuracy").batch_sum(truth, pred) == 1.0 + 2.0 / 3, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(mse_and_mae_of_sequences_average_over_the_last_axis_then_the_positions) {
  const Tensor y = t({0, 0, 0, 0, 1, 1, 1, 1}, {2, 2, 2}), p = t({1, 1, 0, 2, 1, 1, 1, 3}, {2, 2, 2});
  // Sample 0: steps (1 + 1)/2 and (0 + 4)/2 → 1.5 for mse; sample 1: 0 and (0 + 4)/2 → 1.
  BOOST_TEST(nn::Metric("mse").batch_sum(y, p) == 1.5 + 1.0, tt::tolerance(1e-12));
  BOOST_TEST(nn::Metric("mae").batch_sum(y, p) == (1.0 + 1.0) / 2 + (0.0 + 1.0) / 2, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(sequence_labels_of_another_shape_are_a_shape_error) {
  BOOST_CHECK_THROW(nn::Metric("sparse_categorical_accuracy").batch_sum(t({1, 2}, {2}), kSeqPred), ShapeError);
  BOOST_CHECK_THROW(nn::Metric("categorical_accuracy").batch_sum(one_hot(kSeqLabels, 4).reshape({2, 12}), kSeqPred),
                    ShapeError);
}
