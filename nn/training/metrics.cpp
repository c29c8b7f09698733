#include "nn/training/metrics.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <string_view>

namespace nn {
namespace {

using autodiff::check;
using autodiff::Shape;
using autodiff::ShapeError;
using autodiff::ValueError;

// A batch as Keras sees it: n samples, each of p positions (every axis between the first and the last) of k
// values on the last (class) axis. [n, k] is p = 1; [n, T, k] is p = T; [n] and a scalar are p = k = 1.
struct Rows {
  int64_t n = 0;
  int64_t p = 1;
  int64_t k = 1;
  std::vector<double> v;
  // Row r is position r % p of sample r / p.
  int64_t rows() const { return n * p; }
  double at(int64_t r, int64_t j) const { return v[static_cast<size_t>(r * k + j)]; }
};

Rows rows(const Tensor& t) {
  Rows r;
  r.n = t.rank() == 0 ? 1 : t.size(0);
  r.k = t.rank() >= 2 ? t.size(t.rank() - 1) : 1;
  r.p = r.n * r.k == 0 ? 0 : t.numel() / (r.n * r.k);
  r.v = t.to_vector();
  return r;
}

int64_t argmax(const Rows& r, int64_t row) {
  int64_t best = 0;
  for (int64_t j = 1; j < r.k; ++j)
    if (r.at(row, j) > r.at(row, best)) best = j;
  return best;
}

// Class labels from sparse y_true: y_pred's shape without its class axis ([n] for [n, k]), or with a class axis
// of 1 ([n, 1]); one row of one label per position.
Rows labels(const Tensor& y_true, const Tensor& y_pred, std::string_view op) {
  Shape expected = y_pred.shape();
  if (expected.rank() >= 2) expected.erase(expected.rank() - 1);
  Shape with_axis = expected;
  with_axis.push_back(1);
  check<ShapeError>(y_true.shape() == expected || y_true.shape() == with_axis,
                    "{}: y_true must hold one label per position ({} or {}) for y_pred {}; got {}", op, expected,
                    with_axis, y_pred.shape(), y_true.shape());
  Rows t = rows(y_true);
  t.p = t.n == 0 ? 0 : y_true.numel() / t.n;
  t.k = 1;
  return t;
}

void check_same_shape(const Tensor& y_true, const Tensor& y_pred, std::string_view op) {
  check<ShapeError>(y_true.shape() == y_pred.shape(), "{}: y_true and y_pred shapes differ; got {} and {}", op,
                    y_true.shape(), y_pred.shape());
}

// Sum over samples of the mean over each sample's values of f(true, pred): Keras' mean over the last axis,
// then over the positions.
template <class F>
double per_sample_mean(const Tensor& y_true, const Tensor& y_pred, std::string_view op, F f) {
  const Rows t = rows(y_true), p = rows(y_pred);
  // [n] against [n, 1] is one value per sample either way.
  check<ShapeError>(t.n == p.n && t.v.size() == p.v.size(), "{}: y_true and y_pred shapes differ; got {} and {}", op,
                    y_true.shape(), y_pred.shape());
  const int64_t per_sample = p.n == 0 ? 0 : p.p * p.k;
  double total = 0;
  for (int64_t i = 0; i < p.n; ++i) {
    double s = 0;
    for (int64_t j = i * per_sample; j < (i + 1) * per_sample; ++j) s += f(t.v[size_t(j)], p.v[size_t(j)]);
    total += s / static_cast<double>(per_sample);
  }
  return total;
}

// The batch sum of per-sample scores when each position scores 0 or 1: each sample's score is its mean over p.
template <class Hit>
double positions_right(const Rows& pred, Hit hit) {
  double hits = 0;
  for (int64_t r = 0; r < pred.rows(); ++r) hits += hit(r) ? 1 : 0;
  return pred.p == 0 ? 0 : hits / static_cast<double>(pred.p);
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

// The user's own metrics, by name (register_metric).
struct Registry {
  std::mutex mutex;
  std::map<std::string, MetricFn> metrics;
};
Registry& registry() {
  static Registry r;
  return r;
}

// k from "top_<k>_accuracy", the name metrics::top_k_accuracy(k) gives its metric; 0 for any other name.
int64_t top_k_of(const std::string& name) {
  constexpr std::string_view prefix = "top_", suffix = "_accuracy";
  if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix)) return 0;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(digits);
}

MetricFn lookup(const std::string& name) {
  const auto it = builtins().find(name);
  if (it != builtins().end()) return it->second;
  // Every k has a name, so a saved top_k_accuracy(3) loads by its name (no table could list them all).
  if (const int64_t k = top_k_of(name); k >= 1)
    return [k](const Tensor& t, const Tensor& p) { return metrics::top_k_accuracy(t, p, k); };
  {
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    if (const auto mine = r.metrics.find(name); mine != r.metrics.end()) return mine->second;
  }
  throw ValueError(fmt::format("Metric: unknown metric \"{}\"; known metrics: {}, and top_<k>_accuracy for any k >= 1 "
                               "(a metric of your own: register_metric(name, fn) before loading)",
                               name, fmt::join(known_metrics(), ", ")));
}

}  // namespace

Metric::Metric(const char* name) : Metric(std::string(name)) {}
Metric::Metric(const std::string& name) : fn_(lookup(name)), name_(name) {}

std::vector<std::string> known_metrics() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : builtins()) names.push_back(name);
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  for (const auto& [name, fn] : r.metrics) names.push_back(name);
  std::ranges::sort(names);
  return names;
}

void register_metric(const std::string& name, MetricFn fn) {
  check<ValueError>(!name.empty() && static_cast<bool>(fn), "register_metric: need a name and a function; got name \"{}\"",
                    name);
  check<ValueError>(!builtins().contains(name), "register_metric: \"{}\" is a built-in metric", name);
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.metrics[name] = std::move(fn);
}

namespace metrics {

double accuracy(const Tensor& y_true, const Tensor& y_pred) {
  if (rows(y_pred).k == 1) return binary_accuracy(y_true, y_pred);
  if (y_true.shape() == y_pred.shape()) return categorical_accuracy(y_true, y_pred);
  return sparse_categorical_accuracy(y_true, y_pred);
}

double categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  check_same_shape(y_true, y_pred, "categorical_accuracy");
  const Rows t = rows(y_true), p = rows(y_pred);
  return positions_right(p, [&](int64_t r) { return argmax(t, r) == argmax(p, r); });
}

double sparse_categorical_accuracy(const Tensor& y_true, const Tensor& y_pred) {
  const Rows p = rows(y_pred), t = labels(y_true, y_pred, "sparse_categorical_accuracy");
  return positions_right(p, [&](int64_t r) { return t.at(r, 0) == static_cast<double>(argmax(p, r)); });
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
  const bool one_hot = y_true.shape() == y_pred.shape() && p.k > 1;
  const Rows t = one_hot ? rows(y_true) : labels(y_true, y_pred, "top_k_accuracy");
  return positions_right(p, [&](int64_t r) {
    const int64_t target = one_hot ? argmax(t, r) : static_cast<int64_t>(t.at(r, 0));
    check<ValueError>(target >= 0 && target < p.k, "top_k_accuracy: label {} out of range for {} classes", target,
                      p.k);
    // Like tf.math.in_top_k: ties at the boundary count as in the top k.
    int64_t above = 0;
    for (int64_t j = 0; j < p.k; ++j) above += p.at(r, j) > p.at(r, target) ? 1 : 0;
    return above < k;
  });
}

Metric top_k_accuracy(int64_t k) {
  check<ValueError>(k >= 1, "top_k_accuracy: k must be >= 1; got {}", k);
  const std::string name = k == 5 ? "top_k_accuracy" : fmt::format("top_{}_accuracy", k);
  return Metric(name, [k](const Tensor& t, const Tensor& p) { return top_k_accuracy(t, p, k); });
}

}  // namespace metrics
}  // namespace nn
