#include "nn/losses/functions.hpp"

#include <cmath>
#include <string_view>
#include <vector>

namespace nn::losses {
namespace {

using namespace autodiff;

// Keras lets y_true be [n] against a prediction [n,1]; without this, broadcasting
// would silently pair every target with every prediction ([n,n]).
Var align(const Var& y_true, const Var& y_pred, std::string_view op) {
  Var t = y_true;
  if (t.rank() + 1 == y_pred.rank() && y_pred.shape().back() == 1 && t.numel() == y_pred.numel())
    t = reshape(t, y_pred.shape());
  check<ShapeError>(t.shape() == y_pred.shape(), "{}: y_true and y_pred shapes differ; got {} and {}", op,
                    y_true.shape(), y_pred.shape());
  check_same_dtype(op, t.value(), y_pred.value());
  return t;
}

// Per-sample sums along the last axis, averaged over the batch.
Var batch_mean_of_sums(const Var& per_element) {
  if (per_element.rank() == 0) return per_element;
  return mean(sum(per_element, {-1}));
}

// Class indices held as floats in [n] or [n,1] → one-hot rows matching y_pred [n,k].
Var sparse_to_one_hot(const Var& y_true, const Var& y_pred, std::string_view op) {
  check<ShapeError>(y_pred.rank() == 2, "{}: y_pred must be [batch, classes]; got {}", op, y_pred.shape());
  const int64_t n = y_pred.size(0), k = y_pred.size(1);
  const bool ok_shape = (y_true.rank() == 1 && y_true.size(0) == n) ||
                        (y_true.rank() == 2 && y_true.size(0) == n && y_true.size(1) == 1);
  check<ShapeError>(ok_shape, "{}: y_true must hold class indices [n] or [n, 1] for y_pred {}; got {}", op,
                    y_pred.shape(), y_true.shape());
  std::vector<int64_t> labels;
  labels.reserve(static_cast<size_t>(n));
  for (double v : y_true.value().to_vector()) {
    check<ValueError>(v == std::floor(v) && v >= 0 && v < static_cast<double>(k),
                      "{}: y_true holds {}, not a class index in [0, {}); got y_pred {}", op, v, k, y_pred.shape());
    labels.push_back(static_cast<int64_t>(v));
  }
  return Var(one_hot(labels, k, y_pred.dtype()));
}

}  // namespace

Var mse(const Var& y_true, const Var& y_pred) {
  const Var e = y_pred - align(y_true, y_pred, "mse");
  return mean(e * e);
}

Var mae(const Var& y_true, const Var& y_pred) { return mean(abs(y_pred - align(y_true, y_pred, "mae"))); }

Var categorical_crossentropy(const Var& y_true, const Var& y_pred) {
  const Var t = align(y_true, y_pred, "categorical_crossentropy");
  check<ShapeError>(y_pred.rank() >= 1, "categorical_crossentropy: y_pred must have rank >= 1; got {}", y_pred.shape());
  // Keras rescales so each row sums to 1 before clipping (a no-op for softmax outputs).
  const Var p = clamp(y_pred / sum(y_pred, {-1}, true), kEpsilon, 1.0 - kEpsilon);
  return batch_mean_of_sums(-(t * log(p)));
}

Var categorical_crossentropy_from_logits(const Var& y_true, const Var& logits) {
  const Var t = align(y_true, logits, "categorical_crossentropy_from_logits");
  check<ShapeError>(logits.rank() >= 1, "categorical_crossentropy_from_logits: logits must have rank >= 1; got {}",
                    logits.shape());
  return batch_mean_of_sums(-(t * log_softmax(logits, -1)));
}

Var sparse_categorical_crossentropy(const Var& y_true, const Var& y_pred) {
  return categorical_crossentropy(sparse_to_one_hot(y_true, y_pred, "sparse_categorical_crossentropy"), y_pred);
}

Var sparse_categorical_crossentropy_from_logits(const Var& y_true, const Var& logits) {
  const Var t = sparse_to_one_hot(y_true, logits, "sparse_categorical_crossentropy_from_logits");
  return categorical_crossentropy_from_logits(t, logits);
}

Var binary_crossentropy(const Var& y_true, const Var& y_pred) {
  const Var t = align(y_true, y_pred, "binary_crossentropy");
  const Var p = clamp(y_pred, kEpsilon, 1.0 - kEpsilon);
  return mean(-(t * log(p) + (1.0 - t) * log(1.0 - p)));
}

Var binary_crossentropy_from_logits(const Var& y_true, const Var& logits) {
  const Var t = align(y_true, logits, "binary_crossentropy_from_logits");
  // softplus never exponentiates a positive number, so logits of ±1000 stay finite; as a primitive its slopes
  // are exact at l = 0, where relu(l) + ln(1 + e^−|l|) has two kinks.
  return mean(softplus(logits) - logits * t);
}

Var huber(const Var& y_true, const Var& y_pred, double delta) {
  check<ValueError>(delta > 0, "huber: delta must be positive; got {}", delta);
  const Var e = abs(y_pred - align(y_true, y_pred, "huber"));
  const Var quadratic = minimum(e, scalar_like(delta, e));
  // Equals e²/2 below δ and δ·(e − δ/2) above, with no branch to differentiate through.
  return mean(0.5 * quadratic * quadratic + delta * (e - quadratic));
}

}  // namespace nn::losses
