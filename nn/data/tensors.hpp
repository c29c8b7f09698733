#pragma once
// Data sets as tensors for fit/evaluate.
#include <cstdint>

#include "autodiff/tensor.hpp"
#include "nn/data/mnist.hpp"

namespace nn::data {

/// The split's images as float32 [n, per_sample...] (e.g. {784}, {28, 28, 1} or {28, 28}).
autodiff::Tensor images(const Split& split, const autodiff::Shape& per_sample);
/// The split's labels one-hot encoded, float32 [n, classes].
autodiff::Tensor one_hot_labels(const Split& split, int64_t classes = 10);
/// The first n samples of a split (for quick runs and tests).
Split head(const Split& split, int64_t n);

}  // namespace nn::data
