#pragma once
// Reductions over all elements or chosen axes. `axes` empty means all axes;
// negative axes count from the end; keepdims keeps reduced axes as extent 1.
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

using Axes = std::vector<int64_t>;

/// y = Σ x.                         VJP: broadcast g back to x's shape
Var sum(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = Σ x / n.                     composite: sum / n
Var mean(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = max x.                       VJP: g split evenly among the maxima
Var max(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = min x.                       VJP: g split evenly among the minima
Var min(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = Π x.                         VJP: g·Π_{j≠i} x_j (exact to every order, zeros in x included)
Var prod(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = ln Σ eˣ, stable.             composite: m + ln Σ e^(x−m), m = max x held constant
Var logsumexp(const Var& x, const Axes& axes = {}, bool keepdims = false);
/// y = Σ (x − x̄)² / (n − ddof).     composite
Var var(const Var& x, const Axes& axes = {}, bool keepdims = false, int64_t ddof = 0);

/// Sums g down to `shape` (the inverse of broadcasting), checking that g's shape
/// broadcasts from it; `op` names the op whose gradient it is in the error.
Var sum_to(const Var& g, const Shape& shape, std::string_view op);

// Tensor-level helpers for ops and kernels built on reductions.
namespace detail {
/// Sorted, de-duplicated, normalized axes (all axes when empty).
Axes normalize_axes(const Axes& axes, const Shape& shape, std::string_view op);
/// x's shape with the reduced axes kept as 1 (keepdims) or dropped.
Shape reduced_shape(const Shape& shape, const Axes& axes, bool keepdims);
}  // namespace detail

}  // namespace autodiff
