#pragma once
// Internal to the SIMD gemm kernels: the register-tile loop, written once over an ISA trait S (T, V, W, MR, NV,
// zero, load(p), bcast(p), fma, add, mask(rest), load(mask, p), store(mask, p, v)). It has no target attribute
// of its own: each ISA's file includes this header between
//   #pragma GCC push_options / #pragma GCC target("<isa>") / #pragma GCC pop_options
// so that the loop is compiled for that ISA, and the anonymous namespace keeps each file's copy its own: the
// linker can never hand an AVX2-only CPU the AVX-512 body.
#include <immintrin.h>

#include <cstdint>

namespace autodiff::kernels::detail {
namespace {

// C[M, nr] (+)= Ap[M, kc] · B[kc, nr] for one register tile; nr ≤ NV·W, the last vector is masked. Ap panels
// have stride S::MR; B rows have stride ldb, S::NV·S::W in a packed panel.
template <class S, int M, int NV>
[[gnu::always_inline]] inline void tile(int64_t kc, const typename S::T* ap, const typename S::T* bp, int64_t ldb,
                                        typename S::T* c, int64_t ldc, int nr, bool accumulate) {
  using V = typename S::V;
  for (int i = 0; i < M; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
  V acc[M][NV];
#pragma GCC unroll 32
  for (int i = 0; i < M; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();
#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    V b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = S::load(bp + v * S::W);
#pragma GCC unroll 32
    for (int i = 0; i < M; ++i) {
      const V a = S::bcast(ap + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(a, b[v], acc[i][v]);
    }
    ap += S::MR;
    bp += ldb;
  }
#pragma GCC unroll 32
  for (int i = 0; i < M; ++i) {
    typename S::T* row = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const auto mask = S::mask(nr - v * S::W);
      V x = acc[i][v];
      if (accumulate) x = S::add(x, S::load(mask, row + v * S::W));
      S::store(mask, row + v * S::W, x);
    }
  }
}

}  // namespace
}  // namespace autodiff::kernels::detail
