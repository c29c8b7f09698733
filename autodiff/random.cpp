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

namespace detail {
namespace {
thread_local RandomScope* innermost_scope = nullptr;
}  // namespace

RandomScope::RandomScope(RandomDraws& draws, Mode mode) : draws_(draws), mode_(mode), outer_(innermost_scope) {
  innermost_scope = this;
}
RandomScope::~RandomScope() { innermost_scope = outer_; }
RandomScope* RandomScope::innermost() { return innermost_scope; }
}  // namespace detail

namespace {
// Every random tensor is made here: drawn from `draw`, or on replay taken from the innermost replaying scope;
// the recording scopes inside that one keep a copy.
template <class Draw>
Tensor fill_with(const Shape& shape, DType dtype, Draw draw) {
  using detail::RandomScope;
  RandomScope* source = RandomScope::innermost();
  while (source && source->mode() != RandomScope::Mode::replay) source = source->outer();
  Tensor t;
  if (source) {
    detail::RandomDraws& d = source->draws();
    check<ValueError>(d.next < d.tensors.size(),
                      "checkpoint: the recomputation draws more random tensors than the first run ({}); the "
                      "checkpointed function must draw the same ones each time",
                      d.tensors.size());
    t = d.tensors[d.next++];
    check<ValueError>(t.shape() == shape && t.dtype() == dtype,
                      "checkpoint: the recomputation draws a random tensor of shape {} ({}) where the first run "
                      "drew {} ({}); the checkpointed function must draw the same ones each time",
                      shape, name(dtype), t.shape(), name(t.dtype()));
  } else {
    std::vector<double> v(static_cast<size_t>(shape.numel()));
    for (double& x : v) x = draw();
    t = Tensor::from(v, shape, dtype);
  }
  for (RandomScope* s = RandomScope::innermost(); s && s != source; s = s->outer()) s->draws().tensors.push_back(t);
  return t;
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
