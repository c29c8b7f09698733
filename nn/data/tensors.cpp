#include "nn/data/tensors.hpp"

#include <algorithm>
#include <cstring>

#include "autodiff/error.hpp"

namespace nn::data {

autodiff::Tensor images(const Split& split, const autodiff::Shape& per_sample) {
  autodiff::check<autodiff::ShapeError>(per_sample.numel() == split.rows * split.cols,
                                        "images: per-sample shape {} does not hold {}x{} pixels", per_sample,
                                        split.rows, split.cols);
  autodiff::Shape shape{split.n};
  for (int64_t d : per_sample) shape.push_back(d);
  autodiff::Tensor t = autodiff::Tensor::empty(shape, autodiff::DType::f32);
  std::memcpy(t.data<float>(), split.images.data(), split.images.size() * sizeof(float));
  return t;
}

autodiff::Tensor one_hot_labels(const Split& split, int64_t classes) {
  autodiff::Tensor t = autodiff::zeros({split.n, classes});
  float* p = t.data<float>();
  for (int64_t i = 0; i < split.n; ++i) {
    const int64_t label = split.labels[static_cast<size_t>(i)];
    autodiff::check<autodiff::ValueError>(label < classes, "one_hot_labels: label {} at sample {} is not below {}",
                                          label, i, classes);
    p[i * classes + label] = 1.0f;
  }
  return t;
}

Split head(const Split& split, int64_t n) {
  Split out = split;
  out.n = std::min(n, split.n);
  out.images.resize(static_cast<size_t>(out.n * split.rows * split.cols));
  out.labels.resize(static_cast<size_t>(out.n));
  return out;
}

}  // namespace nn::data
