#pragma once
// Internal to the SIMD gemm kernels (matmul_avx512.cpp, matmul_avx2.cpp): the
// table of register tiles, one per edge shape, and the walk over a packed
// block. Each file supplies Tile<S, M, NV>::run under its own ISA target
// attribute; this code only indexes and calls through pointers, so it needs no
// attribute of its own.
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace autodiff::kernels::detail {

template <class T>
using TileFn = void (*)(int64_t kc, const T *ap, const T *bp, T *c, int64_t ldc,
                        int nr, bool accumulate);

/// tiles[m - 1][nv - 1] is Tile<S, m, nv>::run, the tile for m rows and nv
/// vectors of columns.
template <class S, template <class, int, int> class Tile> struct TileTable {
  using T = typename S::T;
  template <int M, size_t... V>
  static constexpr std::array<TileFn<T>, S::NV> row(std::index_sequence<V...>) {
    return {&Tile<S, M, int(V) + 1>::run...};
  }
  template <size_t... M>
  static constexpr std::array<std::array<TileFn<T>, S::NV>, S::MR>
  make(std::index_sequence<M...>) {
    return {row<int(M) + 1>(std::make_index_sequence<S::NV>())...};
  }
  static constexpr auto tiles = make(std::make_index_sequence<S::MR>());
};

/// A BlockFn over S's tiles (tile [S::MR, S::NV·S::W]). The B micro-panel [kc,
/// nr] stays hot while the A panels of the block stream past it.
template <class S, template <class, int, int> class Tile>
void run_block(int64_t mc, int64_t nc, int64_t kc, const typename S::T *ap,
               const typename S::T *bp, typename S::T *c, int64_t ldc,
               bool accumulate) {
  constexpr int64_t nr_full = S::NV * S::W;
  for (int64_t j = 0; j < nc; j += nr_full) {
    const int nr = static_cast<int>(std::min(nr_full, nc - j));
    const int nv = (nr + S::W - 1) / S::W;
    for (int64_t i = 0; i < mc; i += S::MR) {
      const int mr = static_cast<int>(std::min<int64_t>(S::MR, mc - i));
      TileTable<S, Tile>::tiles[mr - 1][nv - 1](
          kc, ap + i * kc, bp + j * kc, c + i * ldc + j, ldc, nr, accumulate);
    }
  }
}

} // namespace autodiff::kernels::detail
