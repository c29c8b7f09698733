#pragma once
// Internal to the gemm kernels: the portable panel packer every micro-kernel
// family can use, and that the AVX-512 packers fall back to at the edges.
#include <algorithm>
#include <cstdint>

namespace autodiff::kernels::detail {

/// dst[p·W + x] = src[x·rs_x + p·rs_p] for x < width, zero up to W: one [kc, W]
/// panel. A source contiguous along x is copied row by row; one contiguous
/// along p is transposed 8 deep through a small block; other strides loop.
template <class T, int64_t W>
void pack_panel(const T* src, int64_t rs_x, int64_t rs_p, int64_t width, int64_t kc, T* __restrict dst) {
  if (width == W && rs_x == 1) {
    for (int64_t p = 0; p < kc; ++p)
      for (int64_t x = 0; x < W; ++x) dst[p * W + x] = src[p * rs_p + x];
    return;
  }
  int64_t p = 0;
  if (width == W && rs_p == 1) {
    constexpr int64_t depth = 8;
    for (; p + depth <= kc; p += depth) {
      T block[W][depth];
      for (int64_t x = 0; x < W; ++x)
        for (int64_t d = 0; d < depth; ++d) block[x][d] = src[x * rs_x + p + d];
      for (int64_t d = 0; d < depth; ++d)
        for (int64_t x = 0; x < W; ++x) dst[(p + d) * W + x] = block[x][d];
    }
  }
  for (; p < kc; ++p) {
    for (int64_t x = 0; x < width; ++x) dst[p * W + x] = src[x * rs_x + p * rs_p];
    std::fill(dst + p * W + width, dst + p * W + W, T(0));
  }
}

}  // namespace autodiff::kernels::detail
