#pragma once
// Internal to the AVX-512 gemm kernels: vector traits over one zmm register of
// float or double, and the in-register transpose the packers and the narrow
// kernels share. Every function carries its own target attribute, so including
// files compile without -march=native.
// GCC 12's AVX-512 shuffle intrinsics self-initialise a dummy source
// (_mm512_undefined_ps), which -Wuninitialized flags inside the header.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

namespace autodiff::kernels::detail {

struct F32 {
  using T = float;
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int W = 16;
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V zero() { return _mm512_setzero_ps(); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V bcast(T x) { return _mm512_set1_ps(x); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V load(Mask m, const T* p) {
    return _mm512_maskz_loadu_ps(m, p);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline void store(Mask m, T* p, V v) {
    _mm512_mask_storeu_ps(p, m, v);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V fma(V a, V b, V c) {
    return _mm512_fmadd_ps(a, b, c);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline T sum(V v) { return _mm512_reduce_add_ps(v); }
};

struct F64 {
  using T = double;
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int W = 8;
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V zero() { return _mm512_setzero_pd(); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V bcast(T x) { return _mm512_set1_pd(x); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V load(Mask m, const T* p) {
    return _mm512_maskz_loadu_pd(m, p);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline void store(Mask m, T* p, V v) {
    _mm512_mask_storeu_pd(p, m, v);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V fma(V a, V b, V c) {
    return _mm512_fmadd_pd(a, b, c);
  }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V add(V a, V b) { return _mm512_add_pd(a, b); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline T sum(V v) { return _mm512_reduce_add_pd(v); }
};

/// The first `rest` lanes (none if rest ≤ 0, all if rest ≥ W).
template <class S>
typename S::Mask lanes(int64_t rest) {
  return static_cast<typename S::Mask>(rest >= S::W ? ~0u : rest <= 0 ? 0u : (1u << rest) - 1u);
}

// C[M, N] (+)= A[M, k] · B[k, N] with A's rows and B's columns contiguous along k (B's columns cs_b apart):
// W lane sums over k per element (lane l takes p ≡ l mod W, in order), then one reduction each. The A
// vectors stay in registers while B's columns stream past them. Used by the few-row kernels (B in place)
// and the narrow ones (over a zero-padded, packed Bᵀ).
template <class S, int M, int N>
[[gnu::target("avx512f"), gnu::hot]] inline void dots_tile(int64_t k, const typename S::T* a, int64_t rs_a,
                                                            const typename S::T* b, int64_t cs_b, typename S::T* c,
                                                            int64_t ldc, bool accumulate) {
  using V = typename S::V;
  V acc[M][N];
#pragma GCC unroll 4
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) acc[i][j] = S::zero();
  for (int64_t p = 0; p < k; p += S::W) {
    const auto mask = lanes<S>(k - p);
    V av[M];
#pragma GCC unroll 4
    for (int i = 0; i < M; ++i) av[i] = S::load(mask, a + i * rs_a + p);
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const V bv = S::load(mask, b + j * cs_b + p);
#pragma GCC unroll 4
      for (int i = 0; i < M; ++i) acc[i][j] = S::fma(av[i], bv, acc[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const typename S::T x = S::sum(acc[i][j]);
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + x : x;
    }
}

// In-register transpose: r[i] holds row i of a [16, 16] block; afterwards r[c]
// holds column c. Pairs, then quads, then 128-bit lanes are interleaved.
[[gnu::always_inline, gnu::target("avx512f")]] inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int g = 0; g < 4; ++g) {  // u[4g + j], lane l: column 4l + j of rows 4g..4g+3
    const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
  }
  for (int j = 0; j < 4; ++j) {
    const __m512 v = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), w = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xdd);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88);
    const __m512 w2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xdd);
    r[j] = _mm512_shuffle_f32x4(v, v2, 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(v, v2, 0xdd);
    r[4 + j] = _mm512_shuffle_f32x4(w, w2, 0x88);
    r[12 + j] = _mm512_shuffle_f32x4(w, w2, 0xdd);
  }
}

}  // namespace autodiff::kernels::detail
