// AVX2+FMA gemm micro-kernels, the fallback for CPUs without AVX-512. Built with
// per-function target attributes, so the file compiles without -march=native.
#include <immintrin.h>

#include <algorithm>

#include "autodiff/kernels/matmul_block.hpp"
#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/matmul_pack.hpp"
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "autodiff/kernels/matmul_tile.hpp"
#pragma GCC pop_options

namespace autodiff::kernels::detail {
namespace {

// Register tile [MR, NV·W]: 12 accumulators, 2 B vectors and a broadcast fit
// the 16 ymm registers.
struct F32x8 {
  using T = float;
  using V = __m256;
  static constexpr int W = 8, MR = 6, NV = 2;
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V zero() { return _mm256_setzero_ps(); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V load(const T* p) { return _mm256_loadu_ps(p); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V bcast(const T* p) {
    return _mm256_broadcast_ss(p);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V fma(V a, V b, V c) {
    return _mm256_fmadd_ps(a, b, c);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline __m256i mask(int rest) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V load(__m256i m, const T* p) {
    return _mm256_maskload_ps(p, m);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline void store(__m256i m, T* p, V v) {
    _mm256_maskstore_ps(p, m, v);
  }
};

struct F64x4 {
  using T = double;
  using V = __m256d;
  static constexpr int W = 4, MR = 6, NV = 2;
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V zero() { return _mm256_setzero_pd(); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V load(const T* p) { return _mm256_loadu_pd(p); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V bcast(const T* p) {
    return _mm256_broadcast_sd(p);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V fma(V a, V b, V c) {
    return _mm256_fmadd_pd(a, b, c);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V add(V a, V b) { return _mm256_add_pd(a, b); }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline __m256i mask(int rest) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(rest), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline V load(__m256i m, const T* p) {
    return _mm256_maskload_pd(p, m);
  }
  [[gnu::always_inline, gnu::target("avx2,fma")]] static inline void store(__m256i m, T* p, V v) {
    _mm256_maskstore_pd(p, m, v);
  }
};

template <class S, int M, int NV>
struct Tile {
  using T = typename S::T;
  [[gnu::target("avx2,fma"), gnu::hot]] static void run(int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, int nr,
                                                        bool accumulate) {
    tile<S, M, NV>(kc, ap, bp, S::NV * S::W, c, ldc, nr, accumulate);
  }
};

template <class S>
GemmKernel<typename S::T> kernel() {
  using T = typename S::T;
  return {"avx2", S::MR, S::NV * S::W, &pack_panel<T, S::MR>, &pack_panel<T, S::NV * S::W>, &run_block<S, Tile>};
}

}  // namespace

bool cpu_has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

GemmKernel<float> avx2_kernel_f32() { return kernel<F32x8>(); }
GemmKernel<double> avx2_kernel_f64() { return kernel<F64x4>(); }

}  // namespace autodiff::kernels::detail
