#pragma once
// Built-in losses, Keras semantics: each returns the mean over the batch of a
// per-sample loss, written only with autodiff ops so the tape supplies the gradient.
// y_true is a constant (targets); y_pred is what the model produced.
#include "autodiff/autodiff.hpp"

namespace nn::losses {

using autodiff::Var;

/// Keras' clipping epsilon for losses computed from probabilities.
inline constexpr double kEpsilon = 1e-7;

/// mean((y_pred − y_true)²)
Var mse(const Var& y_true, const Var& y_pred);
/// mean(|y_pred − y_true|)
Var mae(const Var& y_true, const Var& y_pred);
/// mean over the batch of −Σ y·log p along the last axis; p = y_pred normalized to sum 1, clipped to [ε, 1−ε]
Var categorical_crossentropy(const Var& y_true, const Var& y_pred);
/// mean over the batch of −Σ y·log_softmax(logits) along the last axis (stable for any logits)
Var categorical_crossentropy_from_logits(const Var& y_true, const Var& logits);
/// categorical_crossentropy with y_true holding class indices (as floats): [n] or [n,1] against y_pred [n,k]
Var sparse_categorical_crossentropy(const Var& y_true, const Var& y_pred);
/// categorical_crossentropy_from_logits with class indices: [n] or [n,1] against logits [n,k]
Var sparse_categorical_crossentropy_from_logits(const Var& y_true, const Var& logits);
/// mean(−y·log p − (1−y)·log(1−p)), p clipped to [ε, 1−ε]
Var binary_crossentropy(const Var& y_true, const Var& y_pred);
/// mean(max(x,0) − x·y + log(1 + e^−|x|)): binary cross-entropy of sigmoid(x), stable for any x
Var binary_crossentropy_from_logits(const Var& y_true, const Var& logits);
/// mean(e ≤ δ ? e²/2 : δ·(e − δ/2)), e = |y_pred − y_true|
Var huber(const Var& y_true, const Var& y_pred, double delta = 1.0);

}  // namespace nn::losses
