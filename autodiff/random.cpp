#include "autodiff/random.hpp"

#include <cmath>
#include <vector>

namespace autodiff {

double Generator::uniform() {
  // 53 random bits → a double in [0, 1), the same on every platform (unlike std::uniform_real_distribution).
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

double Generator::normal() {
  // Box–Muller, written out so the stream of values is reproducible across standard libraries.
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

int64_t Generator::integer(int64_t n) { return static_cast<int64_t>(uniform() * static_cast<double>(n)); }

Generator& default_generator() {
  thread_local Generator gen(0);
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

namespace {
template <class Draw>
Tensor fill_with(const Shape& shape, DType dtype, Draw draw) {
  std::vector<double> v(static_cast<size_t>(shape.numel()));
  for (double& x : v) x = draw();
  return Tensor::from(v, shape, dtype);
}
}  // namespace

Tensor rand(const Shape& shape, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return gen.uniform(); });
}
Tensor rand(const Shape& shape, DType dtype) { return rand(shape, default_generator(), dtype); }
Tensor randn(const Shape& shape, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return gen.normal(); });
}
Tensor randn(const Shape& shape, DType dtype) { return randn(shape, default_generator(), dtype); }
Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype) {
  check<ValueError>(low <= high, "uniform: low {} exceeds high {}", low, high);
  return fill_with(shape, dtype, [&] { return low + (high - low) * gen.uniform(); });
}
Tensor uniform(const Shape& shape, double low, double high, DType dtype) {
  return uniform(shape, low, high, default_generator(), dtype);
}
Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen, DType dtype) {
  return fill_with(shape, dtype, [&] { return mean + stddev * gen.normal(); });
}

}  // namespace autodiff
