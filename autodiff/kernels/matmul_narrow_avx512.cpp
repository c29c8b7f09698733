// AVX-512 kernels for shapes the register tiles serve badly (see matmul.cpp).
// `outer`: k = 1 (a weight gradient at batch 1). Each C element is one product
// a·b, then added to C (or stored): C is written once, in full vectors along n.
// `chains`: a C row of at most W columns and few rows (batch-1 output layer).
// One FMA chain per row would wait on the FMA latency, so each row sums k in
// `chain_count` interleaved chains (chain q takes p ≡ q mod chain_count, in
// order), added by a fixed tree at the end.
// `columns`: a C of few columns with A contiguous along m (a weight gradient
// with a narrow output). The lanes run along m, so they are full whatever n
// is: B values are broadcast and each accumulator holds one column of a
// [W, n] block of C, transposed into C's rows at the end. Each C element is
// one k-ordered FMA chain, whatever block computes it.
// `dots`: the same narrow C with A contiguous along k instead. B is packed once
// as Bᵀ [n, kp] (zero padded to whole vectors of k), which stays in L1 or L2,
// and each C element is a dot product along k with the lanes full.
#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

#include "autodiff/kernels/matmul_avx512.hpp"
#include "autodiff/kernels/matmul_kernels.hpp"

namespace autodiff::kernels::detail {
namespace {

template <class S>
[[gnu::target("avx512f")]] void outer(int64_t m, int64_t n, int64_t /*k = 1*/, const typename S::T* a,
                                      int64_t rs_a, int64_t /*cs_a*/, const typename S::T* b, int64_t /*rs_b*/,
                                      int64_t /*cs_b = 1*/, typename S::T* c, int64_t ldc, bool accumulate) {
  using V = typename S::V;
  const int64_t whole = n / S::W * S::W;
  const auto tail = lanes<S>(n - whole);
  for (int64_t i = 0; i < m; ++i) {
    const V av = S::bcast(a[i * rs_a]);
    typename S::T* row = c + i * ldc;
    for (int64_t j = 0; j < whole; j += S::W) {
      V x = S::mul(av, S::load(lanes<S>(S::W), b + j));
      if (accumulate) x = S::add(S::load(lanes<S>(S::W), row + j), x);
      S::store(lanes<S>(S::W), row + j, x);
    }
    if (whole < n) {
      V x = S::mul(av, S::load(tail, b + whole));
      if (accumulate) x = S::add(S::load(tail, row + whole), x);
      S::store(tail, row + whole, x);
    }
  }
}

constexpr int chain_count = 4;  // FMA latency × throughput on Zen 4 and Skylake-X

template <class S>
[[gnu::target("avx512f"), gnu::hot]] void chains(int64_t m, int64_t n, int64_t k, const typename S::T* a,
                                                 int64_t rs_a, int64_t cs_a, const typename S::T* b, int64_t rs_b,
                                                 int64_t /*cs_b = 1*/, typename S::T* c, int64_t ldc,
                                                 bool accumulate) {
  using V = typename S::V;
  const auto mask = lanes<S>(n);
  for (int64_t i = 0; i < m; ++i) {
    const typename S::T* arow = a + i * rs_a;
    V acc[chain_count];
#pragma GCC unroll 4
    for (int q = 0; q < chain_count; ++q) acc[q] = S::zero();
    int64_t p = 0;
    for (; p + chain_count <= k; p += chain_count)
#pragma GCC unroll 4
      for (int q = 0; q < chain_count; ++q)
        acc[q] = S::fma(S::bcast(arow[(p + q) * cs_a]), S::load(mask, b + (p + q) * rs_b), acc[q]);
#pragma GCC unroll 4
    for (int q = 0; q + 1 < chain_count; ++q)
      if (p + q < k) acc[q] = S::fma(S::bcast(arow[(p + q) * cs_a]), S::load(mask, b + (p + q) * rs_b), acc[q]);
    V x = S::add(S::add(acc[0], acc[1]), S::add(acc[2], acc[3]));
    if (accumulate) x = S::add(S::load(mask, c + i * ldc), x);
    S::store(mask, c + i * ldc, x);
  }
}

// Writes acc[j] (column j of a [W, N] block, `rows` valid lanes) into the rows of C.
template <class S, int N>
[[gnu::always_inline, gnu::target("avx512f")]] inline void store_columns(const typename S::V acc[N], int64_t rows,
                                                                         typename S::T* c, int64_t ldc,
                                                                         bool accumulate) {
  using T = typename S::T;
  if constexpr (std::is_same_v<T, float>) {
    __m512 r[16];
    for (int j = 0; j < N; ++j) r[j] = acc[j];
    for (int j = N; j < 16; ++j) r[j] = _mm512_setzero_ps();
    transpose16(r);
    const auto mask = lanes<S>(N);
    for (int64_t l = 0; l < rows; ++l) {
      __m512 x = r[l];
      if (accumulate) x = S::add(S::load(mask, c + l * ldc), x);
      S::store(mask, c + l * ldc, x);
    }
  } else {
    alignas(64) T block[N][S::W];
    for (int j = 0; j < N; ++j) _mm512_store_pd(block[j], acc[j]);
    for (int64_t l = 0; l < rows; ++l)
      for (int j = 0; j < N; ++j) c[l * ldc + j] = accumulate ? c[l * ldc + j] + block[j][l] : block[j][l];
  }
}

// C[rows ≤ R·W, N] (+)= A[rows, k] · B[k, N], A contiguous along m; R blocks of W rows share each broadcast.
template <class S, int N, int R>
[[gnu::target("avx512f"), gnu::hot]] void columns_tile(int64_t rows, int64_t k, const typename S::T* a,
                                                        int64_t cs_a, const typename S::T* b, int64_t rs_b,
                                                        int64_t cs_b, typename S::T* c, int64_t ldc,
                                                        bool accumulate) {
  using V = typename S::V;
  typename S::Mask mask[R];
  V acc[R][N];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) mask[r] = lanes<S>(rows - r * S::W);
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) acc[r][j] = S::zero();
  for (int64_t p = 0; p < k; ++p) {
    V av[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = S::load(mask[r], a + p * cs_a + r * S::W);
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const V bv = S::bcast(b[p * rs_b + j * cs_b]);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][j] = S::fma(av[r], bv, acc[r][j]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
    if (rows > r * S::W)
      store_columns<S, N>(acc[r], std::min<int64_t>(S::W, rows - r * S::W), c + r * S::W * ldc, ldc, accumulate);
}

// Two row blocks per tile while their accumulators, A vectors and a broadcast fit the 32 registers.
constexpr int column_blocks(int n) { return n <= 12 ? 2 : 1; }

template <class S, int N>
[[gnu::target("avx512f")]] void columns_n(int64_t m, int64_t k, const typename S::T* a, int64_t cs_a,
                                          const typename S::T* b, int64_t rs_b, int64_t cs_b, typename S::T* c,
                                          int64_t ldc, bool accumulate) {
  constexpr int64_t step = column_blocks(N) * S::W;
  for (int64_t i = 0; i < m; i += step)
    columns_tile<S, N, column_blocks(N)>(std::min(step, m - i), k, a + i, cs_a, b, rs_b, cs_b, c + i * ldc, ldc,
                                         accumulate);
}

template <class S>
using ColumnsFn = void (*)(int64_t, int64_t, const typename S::T*, int64_t, const typename S::T*, int64_t, int64_t,
                           typename S::T*, int64_t, bool);

template <class S, size_t... N>
constexpr std::array<ColumnsFn<S>, sizeof...(N)> columns_table(std::index_sequence<N...>) {
  return {&columns_n<S, int(N) + 1>...};
}

template <class S>
[[gnu::target("avx512f")]] void columns(int64_t m, int64_t n, int64_t k, const typename S::T* a,
                                        int64_t /*rs_a = 1*/, int64_t cs_a, const typename S::T* b, int64_t rs_b,
                                        int64_t cs_b, typename S::T* c, int64_t ldc, bool accumulate) {
  static constexpr auto table = columns_table<S>(std::make_index_sequence<narrow_n_max>());
  table[n - 1](m, k, a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
}

// bt[j·kp + p] = B[p, j], zero for k ≤ p < kp = round_up(k, W); float rows of B are transposed 16 deep.
template <class S>
[[gnu::target("avx512f")]] void pack_bt(int64_t n, int64_t k, const typename S::T* b, int64_t rs_b, int64_t cs_b,
                                        typename S::T* bt) {
  const int64_t kp = (k + S::W - 1) / S::W * S::W;
  int64_t p = 0;
  if constexpr (std::is_same_v<typename S::T, float>) {
    if (cs_b == 1)
      for (; p + 16 <= k; p += 16) {
        __m512 r[16];
        for (int q = 0; q < 16; ++q) r[q] = S::load(lanes<S>(n), b + (p + q) * rs_b);
        transpose16(r);
        for (int64_t j = 0; j < n; ++j) _mm512_storeu_ps(bt + j * kp + p, r[j]);
      }
  }
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t q = p; q < k; ++q) bt[j * kp + q] = b[q * rs_b + j * cs_b];
    std::fill(bt + j * kp + k, bt + j * kp + kp, typename S::T(0));
  }
}

// Two rows per tile while their accumulators fit the registers beside two A vectors and a B vector.
constexpr int dots_rows(int n) { return n <= 14 ? 2 : 1; }

template <class S, int N>
[[gnu::target("avx512f")]] void dots_n(int64_t m, int64_t k, const typename S::T* a, int64_t rs_a,
                                       const typename S::T* bt, typename S::T* c, int64_t ldc, bool accumulate) {
  constexpr int64_t step = dots_rows(N);
  int64_t i = 0;
  const int64_t kp = (k + S::W - 1) / S::W * S::W;  // pack_bt's row length
  for (; i + step <= m; i += step)
    dots_tile<S, step, N>(k, a + i * rs_a, rs_a, bt, kp, c + i * ldc, ldc, accumulate);
  for (; i < m; ++i) dots_tile<S, 1, N>(k, a + i * rs_a, rs_a, bt, kp, c + i * ldc, ldc, accumulate);
}

template <class S>
using DotsFn = void (*)(int64_t, int64_t, const typename S::T*, int64_t, const typename S::T*, typename S::T*,
                        int64_t, bool);

template <class S, size_t... N>
constexpr std::array<DotsFn<S>, sizeof...(N)> dots_table(std::index_sequence<N...>) {
  return {&dots_n<S, int(N) + 1>...};
}

template <class S>
[[gnu::target("avx512f")]] void dots(int64_t m, int64_t n, int64_t k, const typename S::T* a, int64_t rs_a,
                                     const typename S::T* bt, typename S::T* c, int64_t ldc, bool accumulate) {
  static constexpr auto table = dots_table<S>(std::make_index_sequence<narrow_n_max>());
  table[n - 1](m, k, a, rs_a, bt, c, ldc, accumulate);
}

}  // namespace

NarrowKernels<float> avx512_narrow_f32() {
  return {&outer<F32>, &chains<F32>, &columns<F32>, &pack_bt<F32>, &dots<F32>};
}
NarrowKernels<double> avx512_narrow_f64() {
  return {&outer<F64>, &chains<F64>, &columns<F64>, &pack_bt<F64>, &dots<F64>};
}

}  // namespace autodiff::kernels::detail
