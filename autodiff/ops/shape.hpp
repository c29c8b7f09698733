#pragma once
// Shape ops: views where the strides allow, copies otherwise. Each VJP moves
// the gradient back into the input's layout.
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

/// y = x viewed as `shape` (same element count).        VJP: reshape(g, x.shape)
Var reshape(const Var& x, const Shape& shape);
/// y = x broadcast to `shape` (NumPy rules).            VJP: sum_to(g, x.shape)
Var broadcast_to(const Var& x, const Shape& shape);
/// y = x with axes reordered: y.shape[i] = x.shape[axes[i]].   VJP: permute(g, inverse(axes))
Var permute(const Var& x, const std::vector<int64_t>& axes);
/// y = x with two axes swapped (default: the last two).  composite: permute
Var transpose(const Var& x, int64_t axis0 = -2, int64_t axis1 = -1);
/// y = x reshaped to [x.shape[0], rest] (start_axis = 1) or fully flat (start_axis = 0).  composite: reshape
Var flatten(const Var& x, int64_t start_axis = 0);
/// y = x without the extent-1 axis.                       composite: reshape
Var squeeze(const Var& x, int64_t axis);
/// y = x with a new extent-1 axis at `axis`.              composite: reshape
Var unsqueeze(const Var& x, int64_t axis);
/// y = inputs joined along axis.                           VJP: the matching slices of g
Var concat(const std::vector<Var>& inputs, int64_t axis = 0);
/// y = inputs stacked on a new axis.                       composite: unsqueeze + concat
Var stack(const std::vector<Var>& inputs, int64_t axis = 0);
/// Pieces of x along axis with the given sizes (summing to the extent).   composite: one slice per piece
std::vector<Var> split(const Var& x, const std::vector<int64_t>& sizes, int64_t axis = 0);
/// y = x with `value` added before/after each axis: pads = {{before, after}, ...} per axis (missing axes: none).
/// VJP: the interior slice of g
Var pad(const Var& x, const std::vector<std::pair<int64_t, int64_t>>& pads, double value = 0.0);

}  // namespace autodiff
