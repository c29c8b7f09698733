#include "nn/layers/initializers.hpp"

#include <fmt/ranges.h>

#include <cmath>
#include <functional>
#include <map>
#include <vector>

namespace nn {
namespace {

using autodiff::DType;
using autodiff::Generator;
using autodiff::Shape;
using autodiff::Tensor;

struct Fans {
  double in, out;
};

// Keras' _compute_fans: a kernel [..., in, out] counts its receptive field (the leading axes) in both fans.
Fans compute_fans(const Shape& shape) {
  if (shape.rank() == 0) return {1, 1};
  if (shape.rank() == 1) return {double(shape[0]), double(shape[0])};
  double receptive = 1;
  for (int64_t i = 0; i + 2 < shape.rank(); ++i) receptive *= double(shape[i]);
  return {double(shape[shape.rank() - 2]) * receptive, double(shape.back()) * receptive};
}

// Keras draws *_normal from a normal truncated at two standard deviations; dividing by this constant
// (the stddev of a unit normal truncated to [-2, 2]) keeps the requested variance.
constexpr double kTruncatedStddev = 0.87962566103423978;

Tensor truncated_normal(const Shape& shape, double stddev, Generator& gen, DType dtype) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (double& x : v) {
    double z = gen.normal();
    while (std::abs(z) > 2.0) z = gen.normal();
    x = z * stddev;
  }
  return Tensor::from(v, shape, dtype);
}

Tensor scaled_uniform(const Shape& shape, double scale, Generator& gen, DType dtype) {
  const double limit = std::sqrt(3.0 * scale);  // the uniform on [-l, l] has variance l²/3
  return autodiff::uniform(shape, -limit, limit, gen, dtype);
}

// Modified Gram–Schmidt on the columns of a [rows, cols] normal matrix (rows ≥ cols): Q of its QR
// with R's diagonal positive, which is what Keras gets from qr() followed by the sign correction.
std::vector<double> orthonormal_columns(int64_t rows, int64_t cols, Generator& gen) {
  std::vector<double> a(static_cast<size_t>(rows * cols));
  for (double& x : a) x = gen.normal();
  auto at = [&](int64_t r, int64_t c) -> double& { return a[static_cast<size_t>(r * cols + c)]; };
  for (int64_t c = 0; c < cols; ++c) {
    for (int64_t p = 0; p < c; ++p) {
      double dot = 0;
      for (int64_t r = 0; r < rows; ++r) dot += at(r, p) * at(r, c);
      for (int64_t r = 0; r < rows; ++r) at(r, c) -= dot * at(r, p);
    }
    double norm = 0;
    for (int64_t r = 0; r < rows; ++r) norm += at(r, c) * at(r, c);
    norm = std::sqrt(norm);
    for (int64_t r = 0; r < rows; ++r) at(r, c) /= norm;
  }
  return a;
}

Tensor orthogonal(const Shape& shape, Generator& gen, DType dtype) {
  autodiff::check<autodiff::ShapeError>(shape.rank() >= 2, "initialize: orthogonal needs rank ≥ 2; got {}", shape);
  const int64_t rows = shape.numel() / shape.back(), cols = shape.back();
  const int64_t tall = std::max(rows, cols), narrow = std::min(rows, cols);
  std::vector<double> q = orthonormal_columns(tall, narrow, gen);
  if (rows < cols) {  // a wide kernel takes Qᵀ, whose rows are orthonormal
    std::vector<double> t(q.size());
    for (int64_t r = 0; r < tall; ++r)
      for (int64_t c = 0; c < narrow; ++c)
        t[static_cast<size_t>(c * tall + r)] = q[static_cast<size_t>(r * narrow + c)];
    q = std::move(t);
  }
  return Tensor::from(q, shape, dtype);
}

using Init = std::function<Tensor(const Shape&, Generator&, DType)>;

const std::map<std::string, Init>& registry() {
  static const std::map<std::string, Init> inits = {
      {"glorot_uniform",
       [](const Shape& s, Generator& g, DType d) {
         const Fans f = compute_fans(s);
         return scaled_uniform(s, 2.0 / (f.in + f.out), g, d);
       }},
      {"glorot_normal",
       [](const Shape& s, Generator& g, DType d) {
         const Fans f = compute_fans(s);
         return truncated_normal(s, std::sqrt(2.0 / (f.in + f.out)) / kTruncatedStddev, g, d);
       }},
      {"he_uniform",
       [](const Shape& s, Generator& g, DType d) { return scaled_uniform(s, 2.0 / compute_fans(s).in, g, d); }},
      {"he_normal",
       [](const Shape& s, Generator& g, DType d) {
         return truncated_normal(s, std::sqrt(2.0 / compute_fans(s).in) / kTruncatedStddev, g, d);
       }},
      {"lecun_uniform",
       [](const Shape& s, Generator& g, DType d) { return scaled_uniform(s, 1.0 / compute_fans(s).in, g, d); }},
      {"lecun_normal",
       [](const Shape& s, Generator& g, DType d) {
         return truncated_normal(s, std::sqrt(1.0 / compute_fans(s).in) / kTruncatedStddev, g, d);
       }},
      {"orthogonal", orthogonal},
      {"zeros", [](const Shape& s, Generator&, DType d) { return autodiff::zeros(s, d); }},
      {"ones", [](const Shape& s, Generator&, DType d) { return autodiff::ones(s, d); }},
  };
  return inits;
}

}  // namespace

std::vector<std::string> initializer_names() {
  std::vector<std::string> names;
  for (const auto& [name, init] : registry()) names.push_back(name);
  return names;
}

Tensor initialize(const std::string& name, const Shape& shape, Generator& gen, DType dtype) {
  const auto& inits = registry();
  const auto it = inits.find(name);
  autodiff::check<autodiff::ValueError>(it != inits.end(), "initialize: unknown initializer '{}'; known: {}", name,
                                        fmt::join(initializer_names(), ", "));
  return it->second(shape, gen, dtype);
}

}  // namespace nn
