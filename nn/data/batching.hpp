#pragma once
// Row gathering for fit/evaluate/predict: batches are copies of rows of x and y.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "autodiff/tensor.hpp"

namespace nn {

/// t's rows (axis 0) at `rows`, in that order, as a new contiguous tensor.
autodiff::Tensor take_rows(const autodiff::Tensor& t, std::span<const int64_t> rows);
/// t's rows [begin, end), contiguous.
autodiff::Tensor row_range(const autodiff::Tensor& t, int64_t begin, int64_t end);
/// take_rows of each tensor (a model's several inputs or targets).
std::vector<autodiff::Tensor> take_rows(const std::vector<autodiff::Tensor>& ts, std::span<const int64_t> rows);
/// row_range of each tensor.
std::vector<autodiff::Tensor> row_range(const std::vector<autodiff::Tensor>& ts, int64_t begin, int64_t end);
/// The number of samples (rows), the same in every tensor of x and y; a ShapeError naming `who` and the tensor
/// that differs.
int64_t sample_count(const std::vector<autodiff::Tensor>& x, const std::vector<autodiff::Tensor>& y,
                     std::string_view who);
/// Joins tensors along axis 0 (same trailing shape and dtype).
autodiff::Tensor concat_rows(const std::vector<autodiff::Tensor>& parts);
/// 0..n−1 shuffled by Fisher–Yates from a generator seeded with `seed`.
std::vector<int64_t> permutation(int64_t n, uint64_t seed);

}  // namespace nn
