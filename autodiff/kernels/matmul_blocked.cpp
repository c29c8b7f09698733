// The packed, cache-blocked path of gemm (matmul.cpp says when it is taken): the GotoBLAS/BLIS
// loop nest. For each depth block of kc: pack A[m, kc] into [kc, mr] panels, then for each column
// block of nc pack B[kc, nc] into [kc, nr] panels and run the micro-kernels over it. With several
// threads, C is first cut into one slab per thread, each running that nest on its own. Packing
// reads through the strides, so transposed operands cost nothing extra; a B contiguous along n is
// read in place instead when L2 keeps its panels (reads_b_in_place). k is never split across
// threads and the kc blocks depend on k alone, so every C element sums in the same order for any
// thread count or tiling.
#include <algorithm>

#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/matmul_scratch.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels::detail {
namespace {

// Depth of a block. Deeper than the [kc, nr] B micro-panel fits in L1 (it
// streams from L2 at the kernel's pace), since each depth block reads and
// writes its C tiles once more: 512 measured 2–5% faster than 224 on Zen 4.
constexpr int64_t kc_max = 512;
constexpr int64_t mc_max = 192;                 // rows per tile: the packed A block [mc, kc] stays in L2
constexpr int64_t nc_max = 4096;                // columns per packed B block [kc, nc], which stays in L3
constexpr int64_t in_place_bytes = 512 * 1024;  // a B block [kc, n] this small stays in L2 when read in place

// Packs rows [0, extent) of an operand, viewed as X[extent, kc] with strides
// (rs_x, rs_p), into ceil(extent / w) panels of [kc, w].
template <class T>
void pack(detail::PackFn<T> pack_one, const T* src, int64_t rs_x, int64_t rs_p, int64_t extent, int64_t kc,
          int64_t w, T* dst) {
  for (int64_t q = 0; q * w < extent; ++q)
    pack_one(src + q * w * rs_x, rs_x, rs_p, std::min(w, extent - q * w), kc, dst + q * w * kc);
}

// Whether the slabs read the full [kc, nr] panels of a B contiguous along n in place instead of packing them,
// which saves a copy of B but leaves each panel's rows a row stride apart. That pays while L2 keeps the panel
// for its reuse: over one block of A (m ≤ mc_max, the MLP's batches) or when the whole [kc, n] block of B
// fits (dW, k = 128). Beyond that the strided panels miss: sq1024 and sq2048 ran 12–17% slower in place.
// Decided on the whole product, not a slab, so the path stays independent of the thread count.
template <class T>
bool reads_b_in_place(const GemmKernel<T>& kern, int64_t m, int64_t n, int64_t k, int64_t cs_b) {
  const int64_t bytes = static_cast<int64_t>(sizeof(T)) * std::min(k, kc_max) * n;
  return kern.block_rows && cs_b == 1 && (m <= mc_max || bytes <= in_place_bytes);
}

// Runs all of the packed A against one [kc, nc] block of B, packed into bp first unless read in place (then
// only its last, partial panel is packed).
template <class T>
void run_column_block(const GemmKernel<T>& kern, bool in_place, int64_t m, int64_t mc, int64_t nc, int64_t kc,
                      const T* ap, const T* b, int64_t rs_b, int64_t cs_b, T* bp, T* c, int64_t ldc, bool accumulate) {
  if (!in_place) {
    pack(kern.pack_b, b, cs_b, rs_b, nc, kc, kern.nr, bp);
    for (int64_t ic = 0; ic < m; ic += mc)
      kern.block(std::min(mc, m - ic), nc, kc, ap + ic * kc, bp, c + ic * ldc, ldc, accumulate);
    return;
  }
  const int64_t full = nc / kern.nr * kern.nr;
  if (full < nc) kern.pack_b(b + full, 1, rs_b, nc - full, kc, bp);
  for (int64_t ic = 0; ic < m; ic += mc)
    kern.block_rows(std::min(mc, m - ic), nc, kc, ap + ic * kc, b, rs_b, bp, c + ic * ldc, ldc, accumulate);
}

// The GotoBLAS loop nest on one thread: depth blocks of kc outermost (in
// order, so each C element sums k the same way), then column blocks of nc,
// then [mc, nc] blocks of the micro-kernels.
template <class T>
void gemm_slab(const GemmKernel<T>& kern, bool in_place, int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a,
               int64_t cs_a, const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  // Balanced blocks: kc_step depends on k alone; the others only move tile edges.
  const int64_t kc_step = ceil_div(k, ceil_div(k, kc_max));
  const int64_t mc = round_up(ceil_div(m, ceil_div(m, mc_max)), kern.mr);
  const int64_t nc_step = round_up(ceil_div(n, ceil_div(n, nc_max)), kern.nr);
  const int64_t m_padded = round_up(m, kern.mr);
  Scratch scratch(sizeof(T) * static_cast<size_t>(kc_step * (m_padded + (in_place ? kern.nr : nc_step))));
  T* ap = static_cast<T*>(scratch.data());
  T* bp = ap + kc_step * m_padded;
  for (int64_t pc = 0; pc < k; pc += kc_step) {
    const int64_t kc = std::min(kc_step, k - pc);
    pack(kern.pack_a, a + pc * cs_a, rs_a, cs_a, m, kc, kern.mr, ap);
    for (int64_t jc = 0; jc < n; jc += nc_step)
      run_column_block(kern, in_place, m, mc, std::min(nc_step, n - jc), kc, ap, b + pc * rs_b + jc * cs_b, rs_b,
                       cs_b, bp, c + jc, ldc, accumulate || pc > 0);
  }
}

// Splits C into one slab per thread, each a whole gemm_slab with its own
// packing: one fork and one join per product, where sharing the packed blocks
// cost three of each per depth block (pack A, pack B, run the tiles), which
// lost 8–10% at 2 threads on the MLP's [128, 500] products. The slabs cut the
// longer side of C, so the operand that every slab packs in full is the
// smaller one (A [128, k] there, a few µs against ~250 µs of slab).
}  // namespace

template <class T>
void gemm_blocked(const GemmKernel<T>& kern, int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a,
                  int64_t cs_a, const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  const bool split_n = n >= m;
  const int64_t unit = split_n ? kern.nr : kern.mr, panels = ceil_div(split_n ? n : m, unit);
  const int64_t want = std::clamp<int64_t>(2 * m * n * k / task_flops, 1, num_threads());
  const int64_t per_slab = ceil_div(panels, want), slabs = ceil_div(panels, per_slab), width = unit * per_slab;
  const bool in_place = reads_b_in_place(kern, m, n, k, cs_b);
  if (slabs == 1) return gemm_slab(kern, in_place, m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  parallel_for(slabs, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t x0 = s * width;
      if (split_n)
        gemm_slab(kern, in_place, m, std::min(width, n - x0), k, a, rs_a, cs_a, b + x0 * cs_b, rs_b, cs_b, c + x0,
                  ldc, accumulate);
      else
        gemm_slab(kern, in_place, std::min(width, m - x0), n, k, a + x0 * rs_a, rs_a, cs_a, b, rs_b, cs_b,
                  c + x0 * ldc, ldc, accumulate);
    }
  });
}

template void gemm_blocked<float>(const GemmKernel<float>&, int64_t, int64_t, int64_t, const float*, int64_t, int64_t,
                                  const float*, int64_t, int64_t, float*, int64_t, bool);
template void gemm_blocked<double>(const GemmKernel<double>&, int64_t, int64_t, int64_t, const double*, int64_t,
                                   int64_t, const double*, int64_t, int64_t, double*, int64_t, bool);

}  // namespace autodiff::kernels::detail
