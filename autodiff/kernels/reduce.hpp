#pragma once
// Deterministic reductions: every output sums its inputs in a fixed order and
// long rows are split at fixed chunk boundaries, so results are bit-identical
// whatever the thread count.
#include <cstdint>

namespace autodiff::kernels {

enum class ReduceOp { sum, prod, max, min };

/// out[m] = reduce(x[m, 0..r)) for a contiguous [m, r] block.
template <class T>
void reduce_rows(ReduceOp op, const T* x, int64_t m, int64_t r, T* out);
/// out[j] = reduce(x[0..r), j]) for a contiguous [r, m] block.
template <class T>
void reduce_cols(ReduceOp op, const T* x, int64_t r, int64_t m, T* out);

}  // namespace autodiff::kernels
