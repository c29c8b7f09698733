#pragma once
// Seeded random tensors. Every factory takes an explicit Generator; the
// overloads without one draw from the global default, reseeded by manual_seed.
#include <cstdint>
#include <random>
#include <vector>

#include "autodiff/tensor.hpp"

namespace autodiff {

/// A seeded source of random numbers (64-bit Mersenne Twister).
class Generator {
 public:
  explicit Generator(uint64_t seed = 0) : engine_(seed) {}
  void seed(uint64_t s) { engine_.seed(s); }
  /// Uniform in [0, 1).
  double uniform();
  /// Standard normal.
  double normal();
  /// Uniform integer in [0, n).
  int64_t integer(int64_t n);
  std::mt19937_64& engine() { return engine_; }
  const std::mt19937_64& engine() const { return engine_; }

 private:
  std::mt19937_64 engine_;
};

/// The thread's default generator (seeded with 0 until manual_seed is called).
Generator& default_generator();
/// Reseeds the default generator.
void manual_seed(uint64_t seed);

/// Uniform in [0, 1).
Tensor rand(const Shape& shape, Generator& gen, DType dtype = DType::f32);
Tensor rand(const Shape& shape, DType dtype = DType::f32);
/// Standard normal.
Tensor randn(const Shape& shape, Generator& gen, DType dtype = DType::f32);
Tensor randn(const Shape& shape, DType dtype = DType::f32);
/// Uniform in [low, high).
Tensor uniform(const Shape& shape, double low, double high, Generator& gen, DType dtype = DType::f32);
Tensor uniform(const Shape& shape, double low, double high, DType dtype = DType::f32);
/// Normal with the given mean and standard deviation.
Tensor normal(const Shape& shape, double mean, double stddev, Generator& gen, DType dtype = DType::f32);

namespace detail {
/// The random tensors a checkpointed function drew (autodiff::checkpoint), so that its recomputation draws the same.
struct RandomDraws {
  std::vector<Tensor> tensors;
  size_t next = 0;  // the next one a replay hands out
};

/// While alive, every random tensor made on this thread is appended to `draws` (record) or, on replay, taken from
/// it in order instead of drawn, leaving the generators untouched. Scopes nest: a replay feeds the recording
/// scopes opened inside it, as a checkpoint inside a recomputed checkpoint needs.
class RandomScope {
 public:
  enum class Mode { record, replay };
  RandomScope(RandomDraws& draws, Mode mode);
  ~RandomScope();
  RandomScope(const RandomScope&) = delete;
  RandomScope& operator=(const RandomScope&) = delete;

  /// The innermost scope alive on this thread, or null.
  static RandomScope* innermost();
  RandomDraws& draws() const { return draws_; }
  Mode mode() const { return mode_; }
  RandomScope* outer() const { return outer_; }

 private:
  RandomDraws& draws_;
  Mode mode_;
  RandomScope* outer_;
};
}  // namespace detail

}  // namespace autodiff
