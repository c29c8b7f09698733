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
/// C' = f·c + i·C̃, with i = σ(z_i), f = σ(z_f), C̃ = tanh(z_c): an LSTM's next cell state from its input,
/// forget and candidate gate pre-activations and its cell state c (one shape; column blocks of the stacked
/// gates are read in place). One fused pass; the gates are kept for backward.
/// VJP: (g·C̃·i(1−i), g·c·f(1−f), g·i(1−C̃²), g·f)
Var lstm_cell_state(const Var& z_i, const Var& z_f, const Var& z_c, const Var& c);
/// h = o·tanh(c), with o = σ(z_o): an LSTM's output from its output-gate pre-activation and new cell state.
/// VJP: (g·tanh(c)·o(1−o), g·o(1−tanh²c))
Var lstm_cell_output(const Var& z_o, const Var& c);
/// [n] class indices in [0, classes) → [n, classes] rows of 0 and 1 (a constant, no gradient).
Tensor one_hot(const std::vector<int64_t>& labels, int64_t classes, DType dtype = DType::f32);

}  // namespace autodiff
