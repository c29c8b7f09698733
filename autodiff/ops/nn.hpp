#pragma once
// Neural-network ops.
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

/// y = eˣ / Σ eˣ along axis, computed from x − max so logits of ±1000 do not overflow.
/// VJP: y·(g − Σ g·y)
Var softmax(const Var& x, int64_t axis = -1);
/// y = x − logsumexp(x) along axis, computed from x − max (stable).   VJP: g − eʸ·Σ g
Var log_softmax(const Var& x, int64_t axis = -1);
/// Mean over the batch of −Σ target·log_softmax(logits) along the last axis; target holds
/// probabilities (e.g. one_hot) of logits' shape.      composite: log_softmax
Var cross_entropy(const Var& logits, const Var& target);
/// Mean over the batch of −log_softmax(logits)[i, labels[i]]: logits [batch, classes], labels in
/// [0, classes).   composite: cross_entropy(logits, one_hot(labels))
Var cross_entropy(const Var& logits, const std::vector<int64_t>& labels);
/// [n] class indices in [0, classes) → [n, classes] rows of 0 and 1 (a constant, no gradient).
Tensor one_hot(const std::vector<int64_t>& labels, int64_t classes, DType dtype = DType::f32);

}  // namespace autodiff
