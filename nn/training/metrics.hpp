#pragma once
// Metrics: averaged over the samples of an epoch. Each returns the sum over the
// batch (not the mean), so batches of different sizes average correctly: the
// caller divides the epoch's total by its sample count. Computed on values, no tape.
// Keras' axes: the last axis holds the classes (or values); every axis between
// the first and the last is a position axis, and a sample's score is the mean over
// its positions, so [n, T, k] scores each of the T steps as [n, k] scores a sample.
#include <functional>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace nn {

using autodiff::Tensor;

/// Sum over the batch of a per-sample score, from (y_true, y_pred) values.
using MetricFn = std::function<double(const Tensor& y_true, const Tensor& y_pred)>;

/// A named metric: Metric("accuracy") or Metric("my_metric", fn).
class Metric {
 public:
  /// Looks up a built-in by Keras name; unknown → ValueError listing the known ones.
  Metric(const char* name);         // NOLINT: Keras-style metrics {"accuracy"}
  Metric(const std::string& name);  // NOLINT
  Metric(std::string name, MetricFn fn) : fn_(std::move(fn)), name_(std::move(name)) {}

  double batch_sum(const Tensor& y_true, const Tensor& y_pred) const { return fn_(y_true, y_pred); }
  const std::string& name() const { return name_; }

 private:
  MetricFn fn_;
  std::string name_;
};

/// Every name Metric(name) accepts, sorted: the built-ins and the registered ones.
std::vector<std::string> known_metrics();
/// Makes Metric(name) find fn, so that a model compiled with a metric of the user's own loads by its name
/// (Keras' custom_objects; register_loss does the same for losses). Register before load_model.
void register_metric(const std::string& name, MetricFn fn);

namespace metrics {
/// Picks like Keras' "accuracy": binary for a last axis of 1 ([n], [n,…,1]), categorical when y_true has y_pred's
/// shape (one-hot), else sparse.
double accuracy(const Tensor& y_true, const Tensor& y_pred);
/// argmax(y_true) == argmax(y_pred) along the last axis: [n,…,k] and [n,…,k].
double categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
/// y_true == argmax(y_pred) along the last axis: labels [n,…] or [n,…,1] against [n,…,k].
double sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred);
/// Per sample, the fraction of its elements with (y_pred > threshold) == y_true.
double binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold = 0.5);
/// Per sample, mean over its elements (last axis, then positions) of (y_pred − y_true)².
double mse(const Tensor& y_true, const Tensor& y_pred);
/// Per sample, mean over its elements (last axis, then positions) of |y_pred − y_true|.
double mae(const Tensor& y_true, const Tensor& y_pred);
/// 1 per position whose true class (one-hot [n,…,k] or labels [n,…]/[n,…,1]) is among the k highest predictions.
double top_k_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k = 5);
/// The top-k metric for a given k, named "top_k_accuracy" (k = 5) or "top_<k>_accuracy".
Metric top_k_accuracy(int64_t k);
}  // namespace metrics

}  // namespace nn
