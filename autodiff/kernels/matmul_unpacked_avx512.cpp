// AVX-512 kernels for a product with few rows of A (m ≤ unpacked_m_max), which
// read B in place: packing B would cost as much as the product itself (at
// m = 1 the driver would copy a whole weight matrix for one input row).
// `rows`: B contiguous along n. Every B row is loaded once and multiplied by
// all m broadcast A values; each C element is one k-ordered FMA chain.
// `dots`: B contiguous along k (a transposed B) and A contiguous along k. Each
// C element is W lane sums over k (lane l takes p ≡ l mod W, in order) reduced
// by a fixed tree. Either way the order depends on k alone, not on the tiling.
#include <algorithm>
#include <array>
#include <utility>

#include "autodiff/kernels/matmul_avx512.hpp"
#include "autodiff/kernels/matmul_kernels.hpp"

namespace autodiff::kernels::detail {
namespace {

// Enough vectors of columns that M·NV FMA chains hide the FMA latency.
constexpr int row_vectors(int m) { return m == 1 ? 8 : m <= 4 ? 4 : 2; }

// C[M, n] (+)= A[M, k] · B[k, n] with B rows contiguous, NV vectors of
// columns at a time; the last block is masked.
template <class S, int M, int NV>
[[gnu::target("avx512f"), gnu::hot]] void rows_tile(int64_t n, int64_t k, const typename S::T* a, int64_t rs_a,
                                                     int64_t cs_a, const typename S::T* b, int64_t rs_b,
                                                     typename S::T* c, int64_t ldc, bool accumulate) {
  using V = typename S::V;
  for (int64_t j = 0; j < n; j += NV * S::W) {
    typename S::Mask mask[NV];
    V acc[M][NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) mask[v] = lanes<S>(n - j - v * S::W);
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();
    for (int64_t p = 0; p < k; ++p) {
      const typename S::T* brow = b + p * rs_b + j;
      V bv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) bv[v] = S::load(mask[v], brow + v * S::W);
#pragma GCC unroll 16
      for (int i = 0; i < M; ++i) {
        const V av = S::bcast(a[i * rs_a + p * cs_a]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] = S::fma(av, bv[v], acc[i][v]);
      }
    }
#pragma GCC unroll 16
    for (int i = 0; i < M; ++i)
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) {
        typename S::T* dst = c + i * ldc + j + v * S::W;
        V x = acc[i][v];
        if (accumulate) x = S::add(x, S::load(mask[v], dst));
        S::store(mask[v], dst, x);
      }
  }
}

template <class S>
using RowsTileFn = void (*)(int64_t, int64_t, const typename S::T*, int64_t, int64_t, const typename S::T*, int64_t,
                            typename S::T*, int64_t, bool);

// Whole blocks of row_vectors(M) vectors, then the columns left with as few
// vectors as cover them (a 10-wide output layer loads one vector a row, not 8).
template <class S, int M, size_t... V>
[[gnu::target("avx512f")]] void rows_m(int64_t n, int64_t k, const typename S::T* a, int64_t rs_a, int64_t cs_a,
                                       const typename S::T* b, int64_t rs_b, typename S::T* c, int64_t ldc,
                                       bool accumulate, std::index_sequence<V...>) {
  constexpr int NV = row_vectors(M);
  static constexpr std::array<RowsTileFn<S>, NV> tail = {&rows_tile<S, M, int(V) + 1>...};
  const int64_t whole = n / (NV * S::W) * (NV * S::W), rest = n - whole;
  if (whole > 0) rows_tile<S, M, NV>(whole, k, a, rs_a, cs_a, b, rs_b, c, ldc, accumulate);
  if (rest > 0)
    tail[(rest + S::W - 1) / S::W - 1](rest, k, a, rs_a, cs_a, b + whole, rs_b, c + whole, ldc, accumulate);
}

template <class S, int M>
[[gnu::target("avx512f")]] void rows_m(int64_t n, int64_t k, const typename S::T* a, int64_t rs_a, int64_t cs_a,
                                       const typename S::T* b, int64_t rs_b, typename S::T* c, int64_t ldc,
                                       bool accumulate) {
  rows_m<S, M>(n, k, a, rs_a, cs_a, b, rs_b, c, ldc, accumulate, std::make_index_sequence<row_vectors(M)>());
}

template <class S, size_t... M>
constexpr std::array<RowsTileFn<S>, sizeof...(M)> rows_table(std::index_sequence<M...>) {
  return {static_cast<RowsTileFn<S>>(&rows_m<S, int(M) + 1>)...};
}

template <class S>
[[gnu::target("avx512f")]] void rows(int64_t m, int64_t n, int64_t k, const typename S::T* a, int64_t rs_a,
                                     int64_t cs_a, const typename S::T* b, int64_t rs_b, int64_t /*cs_b = 1*/,
                                     typename S::T* c, int64_t ldc, bool accumulate) {
  static constexpr auto table = rows_table<S>(std::make_index_sequence<unpacked_m_max>());
  table[m - 1](n, k, a, rs_a, cs_a, b, rs_b, c, ldc, accumulate);
}

constexpr int dots_m = 4, dots_j = 4;

template <class S>
using DotsTileFn = void (*)(int64_t, const typename S::T*, int64_t, const typename S::T*, int64_t, typename S::T*,
                            int64_t, bool);

template <class S, int M, size_t... J>
constexpr std::array<DotsTileFn<S>, dots_j> dots_row(std::index_sequence<J...>) {
  return {&dots_tile<S, M, int(J) + 1>...};
}

template <class S, size_t... M>
constexpr std::array<std::array<DotsTileFn<S>, dots_j>, dots_m> dots_table(std::index_sequence<M...>) {
  return {dots_row<S, int(M) + 1>(std::make_index_sequence<dots_j>())...};
}

// A [dots_m, k] row group stays in L1 while the B columns stream past it.
template <class S>
[[gnu::target("avx512f")]] void dots(int64_t m, int64_t n, int64_t k, const typename S::T* a, int64_t rs_a,
                                     int64_t /*cs_a = 1*/, const typename S::T* b, int64_t /*rs_b = 1*/,
                                     int64_t cs_b, typename S::T* c, int64_t ldc, bool accumulate) {
  static constexpr auto table = dots_table<S>(std::make_index_sequence<dots_m>());
  for (int64_t j = 0; j < n; j += dots_j)
    for (int64_t i = 0; i < m; i += dots_m) {
      const int64_t mi = std::min<int64_t>(dots_m, m - i), nj = std::min<int64_t>(dots_j, n - j);
      table[mi - 1][nj - 1](k, a + i * rs_a, rs_a, b + j * cs_b, cs_b, c + i * ldc + j, ldc, accumulate);
    }
}

}  // namespace

UnpackedKernels<float> avx512_unpacked_f32() { return {&rows<F32>, &dots<F32>}; }
UnpackedKernels<double> avx512_unpacked_f64() { return {&rows<F64>, &dots<F64>}; }

}  // namespace autodiff::kernels::detail
