// AVX-512 gemm micro-kernels. Built with per-function target attributes, so the
// file compiles without -march=native and only runs when the CPU has AVX-512F.
#include <algorithm>
#include <array>
#include <utility>

#include "autodiff/kernels/matmul_avx512.hpp"
#include "autodiff/kernels/matmul_block.hpp"
#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/matmul_pack.hpp"
#pragma GCC push_options
#pragma GCC target("avx512f")
#include "autodiff/kernels/matmul_tile.hpp"
#pragma GCC pop_options

namespace autodiff::kernels::detail {
namespace {

// Register tile [MR, NV·W]: MR·NV accumulators plus NV B vectors and one
// broadcast A value fit the 32 zmm registers. The tiles (matmul_tile.hpp) load
// full vectors and broadcast A from its packed panel; the rest is the shared F32/F64.
struct F32x16 : F32 {
  static constexpr int MR = 12, NV = 2;
  using F32::load;
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V load(const T* p) { return _mm512_loadu_ps(p); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V bcast(const T* p) { return _mm512_set1_ps(*p); }
  static Mask mask(int rest) { return lanes<F32>(rest); }
};

struct F64x8 : F64 {
  static constexpr int MR = 12, NV = 2;
  using F64::load;
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V load(const T* p) { return _mm512_loadu_pd(p); }
  [[gnu::always_inline, gnu::target("avx512f")]] static inline V bcast(const T* p) { return _mm512_set1_pd(*p); }
  static Mask mask(int rest) { return lanes<F64>(rest); }
};

// pack_panel for float, with full panels of a source contiguous along p (a
// row-major A, a transposed B) transposed 16 deep in registers.
template <int64_t W>
[[gnu::target("avx512f")]] void pack_panel_f32(const float* src, int64_t rs_x, int64_t rs_p, int64_t width,
                                               int64_t kc, float* dst) {
  if (width != W || rs_p != 1) return pack_panel<float, W>(src, rs_x, rs_p, width, kc, dst);
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16)
    for (int64_t x0 = 0; x0 < W; x0 += 16) {
      const int64_t rows = std::min<int64_t>(16, W - x0);
      const auto mask = static_cast<__mmask16>((1u << rows) - 1u);
      __m512 r[16];
      for (int64_t i = 0; i < 16; ++i)
        r[i] = i < rows ? _mm512_loadu_ps(src + (x0 + i) * rs_x + p) : _mm512_setzero_ps();
      transpose16(r);
      for (int64_t d = 0; d < 16; ++d) _mm512_mask_storeu_ps(dst + (p + d) * W + x0, mask, r[d]);
    }
  if (p < kc) pack_panel<float, W>(src + p, rs_x, 1, W, kc - p, dst + p * W);
}

template <class S, int M, int NV>
struct Tile {
  using T = typename S::T;
  [[gnu::target("avx512f"), gnu::hot]] static void run(int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, int nr,
                                                       bool accumulate) {
    tile<S, M, NV>(kc, ap, bp, S::NV * S::W, c, ldc, nr, accumulate);
  }
};

template <class S, int M>
[[gnu::target("avx512f"), gnu::hot]] void rows_tile(int64_t kc, const typename S::T* ap, const typename S::T* b,
                                                    int64_t rs_b, typename S::T* c, int64_t ldc, bool accumulate) {
  tile<S, M, S::NV>(kc, ap, b, rs_b, c, ldc, S::NV * S::W, accumulate);
}

template <class T>
using RowsTileFn = void (*)(int64_t kc, const T* ap, const T* b, int64_t rs_b, T* c, int64_t ldc, bool accumulate);

template <class S, size_t... M>
constexpr std::array<RowsTileFn<typename S::T>, S::MR> rows_tiles(std::index_sequence<M...>) {
  return {&rows_tile<S, int(M) + 1>...};
}

// run_block with the full panels of B read in place (see BlockRowsFn): the same FMA chains as the packed tiles,
// so the sums do not depend on which of the two runs.
template <class S>
void run_block_rows(int64_t mc, int64_t nc, int64_t kc, const typename S::T* ap, const typename S::T* b,
                    int64_t rs_b, const typename S::T* edge, typename S::T* c, int64_t ldc, bool accumulate) {
  static constexpr auto tiles = rows_tiles<S>(std::make_index_sequence<S::MR>());
  constexpr int64_t nr_full = S::NV * S::W;
  const int64_t full = nc / nr_full * nr_full;
  for (int64_t j = 0; j < full; j += nr_full)
    for (int64_t i = 0; i < mc; i += S::MR) {
      const int64_t mr = std::min<int64_t>(S::MR, mc - i);
      tiles[mr - 1](kc, ap + i * kc, b + j, rs_b, c + i * ldc + j, ldc, accumulate);
    }
  if (full < nc) run_block<S, Tile>(mc, nc - full, kc, ap, edge, c + full, ldc, accumulate);
}

}  // namespace

bool cpu_has_avx512() { return __builtin_cpu_supports("avx512f"); }

GemmKernel<float> avx512_kernel_f32() {
  constexpr int64_t nr = F32x16::NV * F32x16::W;
  return {"avx512", F32x16::MR, nr, &pack_panel_f32<F32x16::MR>, &pack_panel_f32<nr>,
          &run_block<F32x16, Tile>, &run_block_rows<F32x16>};
}

GemmKernel<double> avx512_kernel_f64() {
  constexpr int64_t nr = F64x8::NV * F64x8::W;
  return {"avx512", F64x8::MR, nr, &pack_panel<double, F64x8::MR>, &pack_panel<double, nr>, &run_block<F64x8, Tile>,
          &run_block_rows<F64x8>};
}

}  // namespace autodiff::kernels::detail
