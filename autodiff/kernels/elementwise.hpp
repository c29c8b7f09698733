#pragma once
// Strided element-wise loops over up to three inputs with broadcasting strides
// (stride 0). Adjacent axes are merged where the strides allow, then the work
// is split over the output in parallel; contiguous operands take a flat loop
// the compiler vectorizes.
#include <algorithm>
#include <array>
#include <cstdint>

#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {

/// Elements per parallel chunk. 8K puts an LSTM(128)'s [128, 128] gate math on both threads (+4% LSTM
/// training at batch 128 on 2 threads, same-session A/B); the MLP's and CNN's rates did not move.
inline constexpr int64_t kElementwiseGrain = 8192;
/// A transposing map1 works in tiles of kTile rows × 2·kTile columns (measured: larger tiles thrash L1
/// on power-of-two strides, smaller ones waste the lines they read).
inline constexpr int64_t kTile = 16;

/// The iteration space of an element-wise op: the output extents and each
/// operand's strides in elements (operand 0 is the output, row-major contiguous).
template <int N>
struct Layout {
  int rank = 0;
  std::array<int64_t, 8> shape{};
  std::array<std::array<int64_t, 8>, N> strides{};

  /// Merges axis i into i+1 where every operand walks them as one axis.
  void coalesce() {
    int out = 0;
    for (int i = 0; i < rank; ++i) {
      if (shape[i] == 1) continue;  // an extent-1 axis contributes nothing
      if (out > 0) {
        bool merge = true;
        for (int k = 0; k < N; ++k)
          merge = merge && strides[k][out - 1] == strides[k][i] * shape[i];
        if (merge) {
          shape[out - 1] *= shape[i];
          for (int k = 0; k < N; ++k) strides[k][out - 1] = strides[k][i];
          continue;
        }
      }
      shape[out] = shape[i];
      for (int k = 0; k < N; ++k) strides[k][out] = strides[k][i];
      ++out;
    }
    rank = out;
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= shape[i];
    return n;
  }
};

/// Calls row(offsets, n, inner_strides) for each innermost row in [row0, row1).
template <int N, class Row>
void for_rows(const Layout<N>& l, int64_t row0, int64_t row1, Row&& row) {
  const int last = l.rank - 1;
  const int64_t inner = l.rank == 0 ? 1 : l.shape[last];
  std::array<int64_t, N> inner_stride{};
  for (int k = 0; k < N; ++k) inner_stride[k] = l.rank == 0 ? 0 : l.strides[k][last];
  for (int64_t r = row0; r < row1; ++r) {
    std::array<int64_t, N> off{};
    int64_t rem = r;
    for (int axis = last - 1; axis >= 0; --axis) {
      const int64_t i = rem % l.shape[axis];
      rem /= l.shape[axis];
      for (int k = 0; k < N; ++k) off[k] += i * l.strides[k][axis];
    }
    row(off, inner, inner_stride);
  }
}

/// out[i] = f(a[i]) over a Layout<2> (operand 0: out, 1: a).
template <class T, class U, class F>
void map1(Layout<2> l, T* out, const U* a, F f) {
  if (l.numel() == 0) return;
  l.coalesce();
  if (l.rank <= 1 && (l.rank == 0 || l.strides[1][0] == 1)) {
    parallel_for(l.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) out[i] = f(a[i]);
    });
    return;
  }
  const int64_t inner = l.shape[l.rank - 1];
  if (l.rank == 2 && l.strides[0][0] == l.shape[1] && l.strides[0][1] == 1 && l.strides[1][0] == 1 &&
      l.strides[1][1] != 0 && l.strides[1][1] != 1) {
    // A transpose (x.permute({1, 0}).contiguous()): in tiles, so each input line read serves the whole
    // tile instead of one element; a row-by-row walk misses on every element.
    const int64_t rows = l.shape[0], cols = l.shape[1], sa = l.strides[1][1];
    parallel_for((rows + kTile - 1) / kTile, std::max<int64_t>(1, kElementwiseGrain / (inner * kTile)),
                 [&](int64_t t0, int64_t t1) {
                   for (int64_t r0 = t0 * kTile; r0 < std::min(rows, t1 * kTile); r0 += kTile) {
                     const int64_t r1 = std::min(rows, r0 + kTile);
                     for (int64_t c0 = 0; c0 < cols; c0 += 2 * kTile) {
                       const int64_t c1 = std::min(cols, c0 + 2 * kTile);
                       for (int64_t c = c0; c < c1; ++c)  // reads a contiguous run, writes one column of the tile
                         for (int64_t r = r0; r < r1; ++r) out[r * cols + c] = f(a[r + c * sa]);
                     }
                   }
                 });
    return;
  }
  parallel_for(l.numel() / inner, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t r0, int64_t r1) {
    for_rows(l, r0, r1, [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& s) {
      T* po = out + o[0];
      const U* pa = a + o[1];
      if (s[0] == 1 && s[1] == 1)  // a slice or other view whose rows are contiguous
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i]);
      else
        for (int64_t i = 0; i < n; ++i) po[i * s[0]] = f(pa[i * s[1]]);
    });
  });
}

/// out[i] = f(a[i], b[i]) over a Layout<3> (operand 0: out, 1: a, 2: b).
template <class T, class U, class F>
void map2(Layout<3> l, T* out, const U* a, const U* b, F f) {
  if (l.numel() == 0) return;
  l.coalesce();
  if (l.rank <= 1) {
    const int64_t sa = l.rank == 0 ? 0 : l.strides[1][0], sb = l.rank == 0 ? 0 : l.strides[2][0];
    parallel_for(l.numel(), kElementwiseGrain, [&](int64_t b0, int64_t e) {
      if (sa == 1 && sb == 1)
        for (int64_t i = b0; i < e; ++i) out[i] = f(a[i], b[i]);
      else if (sa == 1 && sb == 0)
        for (int64_t i = b0; i < e; ++i) out[i] = f(a[i], b[0]);
      else if (sa == 0 && sb == 1)
        for (int64_t i = b0; i < e; ++i) out[i] = f(a[0], b[i]);
      else
        for (int64_t i = b0; i < e; ++i) out[i] = f(a[i * sa], b[i * sb]);
    });
    return;
  }
  const int64_t inner = l.shape[l.rank - 1];
  parallel_for(l.numel() / inner, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t r0, int64_t r1) {
    for_rows(l, r0, r1, [&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& s) {
      const U* pa = a + o[1];
      const U* pb = b + o[2];
      T* po = out + o[0];
      if (s[1] == 1 && s[2] == 1)
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);
      else if (s[1] == 1 && s[2] == 0)
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[0]);
      else if (s[1] == 0 && s[2] == 1)
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[0], pb[i]);
      else
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i * s[1]], pb[i * s[2]]);
    });
  });
}

/// out[i] = f(a[i], b[i], c[i]) over a Layout<4>.
template <class T, class F>
void map3(Layout<4> l, T* out, const T* a, const T* b, const T* c, F f) {
  if (l.numel() == 0) return;
  l.coalesce();
  const int64_t inner = l.rank == 0 ? 1 : l.shape[l.rank - 1];
  parallel_for(l.numel() / inner, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t r0, int64_t r1) {
    for_rows(l, r0, r1, [&](const std::array<int64_t, 4>& o, int64_t n, const std::array<int64_t, 4>& s) {
      T* po = out + o[0];
      const T *pa = a + o[1], *pb = b + o[2], *pc = c + o[3];
      if (s[0] == 1 && s[1] == 1 && s[2] == 1 && s[3] == 1)
        for (int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i], pc[i]);
      else
        for (int64_t i = 0; i < n; ++i) po[i * s[0]] = f(pa[i * s[1]], pb[i * s[2]], pc[i * s[3]]);
    });
  });
}

/// out[i] = a[i] over a Layout<2> whose destination may be strided (a block of a larger tensor) and whose source
/// may broadcast. One run (a block of whole rows coalesces to one) is split across threads, or a 256 KB block
/// would copy on one thread.
template <class T>
void copy(Layout<2> l, T* out, const T* a) {
  if (l.numel() == 0) return;
  l.coalesce();
  // n elements at strides so and sa: a row of a block is one vectorized copy, a broadcast one a fill.
  const auto run = [](T* o, const T* i, int64_t n, int64_t so, int64_t sa) {
    if (so == 1 && sa == 1)
      std::copy_n(i, n, o);
    else if (so == 1 && sa == 0)
      std::fill_n(o, n, *i);
    else
      for (int64_t k = 0; k < n; ++k) o[k * so] = i[k * sa];
  };
  if (l.rank <= 1) {
    const int64_t n = l.rank == 0 ? 1 : l.shape[0], so = l.rank == 0 ? 1 : l.strides[0][0];
    const int64_t sa = l.rank == 0 ? 0 : l.strides[1][0];
    parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) { run(out + b * so, a + b * sa, e - b, so, sa); });
    return;
  }
  const int64_t inner = l.shape[l.rank - 1];
  parallel_for(l.numel() / inner, std::max<int64_t>(1, kElementwiseGrain / inner), [&](int64_t r0, int64_t r1) {
    for_rows(l, r0, r1, [&](const std::array<int64_t, 2>& o, int64_t n, const std::array<int64_t, 2>& s) {
      run(out + o[0], a + o[1], n, s[0], s[1]);
    });
  });
}

}  // namespace autodiff::kernels
