#pragma once
// A tiny, seeded classification problem and model for the training tests.
#include "nn/nn.hpp"

namespace nn_test {

using autodiff::Shape;
using autodiff::Tensor;

// Two Gaussian classes in 4-d with means ±1.5 on the first two axes; y one-hot.
struct Blobs {
  Tensor x, y;
};
inline Blobs blobs(int64_t n, uint64_t seed) {
  autodiff::Generator gen(seed);
  std::vector<double> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 2);
    for (int j = 0; j < 4; ++j) x.push_back(gen.normal() + (j < 2 ? (label ? 1.5 : -1.5) : 0.0));
    y.push_back(label ? 0 : 1);
    y.push_back(label ? 1 : 0);
  }
  return {Tensor::from(x, {n, 4}), Tensor::from(y, {n, 2})};
}

inline nn::Sequential classifier() {
  autodiff::manual_seed(1);
  return nn::Sequential{nn::Dense(8, {.activation = "tanh", .input_shape = Shape{4}}),
                        nn::Dense(2, {.activation = "softmax"})};
}

inline nn::FitOptions quiet(int epochs) { return {.batch_size = 16, .epochs = epochs, .verbose = 0, .seed = 5}; }

}  // namespace nn_test
