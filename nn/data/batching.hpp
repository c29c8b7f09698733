#pragma once
// Row gathering for fit/evaluate/predict: batches are copies of rows of x and y.
#include <cstdint>
#include <span>
#include <vector>

#include "autodiff/tensor.hpp"

namespace nn {

/// t's rows (axis 0) at `rows`, in that order, as a new contiguous tensor.
autodiff::Tensor take_rows(const autodiff::Tensor& t, std::span<const int64_t> rows);
/// t's rows [begin, end), contiguous.
autodiff::Tensor row_range(const autodiff::Tensor& t, int64_t begin, int64_t end);
/// Joins tensors along axis 0 (same trailing shape and dtype).
autodiff::Tensor concat_rows(const std::vector<autodiff::Tensor>& parts);
/// 0..n−1 shuffled by Fisher–Yates from a generator seeded with `seed`.
std::vector<int64_t> permutation(int64_t n, uint64_t seed);

}  // namespace nn
