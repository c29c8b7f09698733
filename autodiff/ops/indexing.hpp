#pragma once
// Indexing ops: a view or a selection of x along one axis, each paired with the scatter op that is its VJP and
// whose own VJP is the forward op again, so gradients of gradients stay exact.
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

/// y = x[start:stop:step] along axis, a view (step > 0; bounds as in Python).   VJP: slice_scatter(g) (VJP: slice)
Var slice(const Var& x, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);
/// y = x at the indices along axis, each in [0, n), repeats allowed.   VJP: index_add(g) (VJP: index_select)
Var index_select(const Var& x, int64_t axis, const std::vector<int64_t>& indices);
/// y[i…] = x[i… with index[i…] on axis] (torch.gather): index (f32 or f64) has x's rank, whole values in [0, n)
/// and off-axis extents ≤ x's; y has index's shape.   VJP: scatter_add(g) (VJP: gather)
Var gather(const Var& x, int64_t axis, const Tensor& index);

}  // namespace autodiff
