#include "nn/metrics.hpp"

#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <string_view>

namespace nn {
namespace {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

// A batch as rows: n samples of k values each (a rank-0 or rank-1 tensor is n samples of 1).
struct Rows {
  int64_t n = 0;
  int64_t k = 0;
  std::vector<double> v;
  double at(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * k + j)]; }
};

Rows rows(const Tensor& t) {
  Rows r;
  r.n = t.rank() == 0 ? 1 : t.size(0);
  r.k = r.n == 0 ? 0 : t.numel() / r.n;
  r.v = t.to_vector();
  return r;
}

int64_t argmax(const Rows& r, int64_t i) {
  int64_t best = 0;
  for (int64_t j = 1; j < r.k; ++j)
    if (r.at(i, j) > r.at(i, best)) best = j;
  return best;
}

// Class labels from sparse y_true ([n] or [n,1]) for a prediction of n rows.
Rows labels(const Tensor& y_true, const Rows& pred, std::string_view op) {
  Rows t = rows(y_true);
  check<ShapeError>(t.n == pred.n && t.k == 1 && y_true.rank() <= 2,
                    "{}: y_true must hold one label per sample ([n] or [n, 1]) for y_pred of {} rows; got {}", op,
                    pred.n, y_true.shape());
  return t;
}

void check_same_rows(const Rows& t, const Rows& p, const Tensor& y_true, const Tensor& y_pred, std::string_view op) {
  check<ShapeError>(t.n == p.n && t.k == p.k, "{}: y_true and y_pred shapes differ; got {} and {}", op,
                    y_true.shape(), y_pred.shape());
}

// Sum over samples of the mean over each row of f(true, pred).
template <class F>
double per_sample_mean(const Tensor& y_true, const Tensor& y_pred, std::string_view op, F f) {
  const Rows t = rows(y_true), p = rows(y_pred);
  check_same_rows(t, p, y_true, y_pred, op);
  double total = 0;
  for (int64_t i = 0; i < p.n; ++i) {
    double s = 0;
    for (int64_t j = 0; j < p.k; ++j) s += f(t.at(i, j), p.at(i, j));
    total += s / static_cast<double>(p.k);
  }
  return total;
}

const std::map<std::string, MetricFn>& builtins() {
  static const std::map<std::string, MetricFn> m{
      {"accuracy", metrics::accuracy},
      {"acc", metrics::accuracy},
      {"categorical_accuracy", metrics::categorical_accuracy},
      {"sparse_categorical_accuracy", metrics::sparse_categorical_accuracy},
      {"binary_accuracy", [](const Tensor& t, const Tensor& p) { return metrics::binary_accuracy(t, p); }},
      {"mse", metrics::mse},
      {"mean_squared_error", metrics::mse},
      {"mae", metrics::mae},
      {"mean_absolute_error", metrics::mae},
      {"top_k_accuracy", [](const Tensor& t, const Tensor& p) { return metrics::top_k_accuracy(t, p); }},
      {"top_k_categorical_accuracy", [](const Tensor& t, const Tensor& p) { return metrics::top_k_accuracy(t, p); }},
      {"sparse_top_k_categorical_accuracy",
       [](const Tensor& t, const Tensor& p) { return metrics::top_k_accuracy(t, p); }},
  };
  return m;
}

MetricFn lookup(const std::string& name) {
  const auto it = builtins().find(name);
  if (it != builtins().end()) return it->second;
  throw ValueError(
      fmt::format("Metric: unknown metric \"{}\"; known metrics: {}", name, fmt::join(known_metrics(), ", ")));
}

}  // namespace

Metric::Metric(const char* name) : Metric(std::string(name)) {}
Metric::Metric(const std::string& name) : fn_(lookup(name)), name_(name) {}

std::vector<std::string> known_metrics() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : builtins()) names.push_back(name);
  return names;
}

namespace metrics {

double accuracy(const Tensor& y_true, const Tensor& y_pred) {
  const Rows p = rows(y_pred);
  if (p.k == 1) return binary_accuracy(y_true, y_pred);
  if (y_true.numel() == y_pred.numel() && y_true.rank() == y_pred.rank()) return categorical_accuracy(y_true, y_pred);
  return sparse_categorical_accuracy(y_true, y_pred);
}

double categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  const Rows t = rows(y_true), p = rows(y_pred);
  check_same_rows(t, p, y_true, y_pred, "categorical_accuracy");
  double hits = 0;
  for (int64_t i = 0; i < p.n; ++i) hits += argmax(t, i) == argmax(p, i) ? 1 : 0;
  return hits;
}

double sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  const Rows p = rows(y_pred);
  const Rows t = labels(y_true, p, "sparse_categorical_accuracy");
  double hits = 0;
  for (int64_t i = 0; i < p.n; ++i) hits += t.v[static_cast<size_t>(i)] == static_cast<double>(argmax(p, i)) ? 1 : 0;
  return hits;
}

double binary_accuracy(const Tensor& y_true, const Tensor& y_pred, double threshold) {
  return per_sample_mean(y_true, y_pred, "binary_accuracy",
                         [threshold](double t, double p) { return t == (p > threshold ? 1.0 : 0.0) ? 1.0 : 0.0; });
}

double mse(const Tensor& y_true, const Tensor& y_pred) {
  return per_sample_mean(y_true, y_pred, "mse", [](double t, double p) { return (p - t) * (p - t); });
}

double mae(const Tensor& y_true, const Tensor& y_pred) {
  return per_sample_mean(y_true, y_pred, "mae", [](double t, double p) { return std::abs(p - t); });
}

double top_k_accuracy(const Tensor& y_true, const Tensor& y_pred, int64_t k) {
  check<ValueError>(k >= 1, "top_k_accuracy: k must be >= 1; got {}", k);
  const Rows p = rows(y_pred);
  const bool one_hot = y_true.rank() == y_pred.rank() && y_true.numel() == y_pred.numel() && p.k > 1;
  const Rows t = one_hot ? rows(y_true) : labels(y_true, p, "top_k_accuracy");
  double hits = 0;
  for (int64_t i = 0; i < p.n; ++i) {
    const int64_t target = one_hot ? argmax(t, i) : static_cast<int64_t>(t.v[static_cast<size_t>(i)]);
    check<ValueError>(target >= 0 && target < p.k, "top_k_accuracy: label {} out of range for {} classes", target,
                      p.k);
    // Like tf.math.in_top_k: ties at the boundary count as in the top k.
    int64_t above = 0;
    for (int64_t j = 0; j < p.k; ++j) above += p.at(i, j) > p.at(i, target) ? 1 : 0;
    hits += above < k ? 1 : 0;
  }
  return hits;
}

Metric top_k_accuracy(int64_t k) {
  check<ValueError>(k >= 1, "top_k_accuracy: k must be >= 1; got {}", k);
  const std::string name = k == 5 ? "top_k_accuracy" : fmt::format("top_{}_accuracy", k);
  return Metric(name, [k](const Tensor& t, const Tensor& p) { return top_k_accuracy(t, p, k); });
}

}  // namespace metrics
}  // namespace nn
