// Packed, cache-blocked gemm (GotoBLAS/BLIS loop nest). For each depth block
// of kc: pack A[m, kc] into [kc, mr] panels, then for each column block of nc
// pack B[kc, nc] into [kc, nr] panels and run the micro-kernels over it. With
// several threads, C is first cut into one slab per thread, each running that
// nest on its own. Packing reads through the strides, so transposed operands
// cost nothing extra. k is never split across threads and the kc blocks depend
// on k alone, so every C element sums in the same order for any thread count
// or tiling. A few rows of A (batch-1 inference) read B in place instead, when
// B is contiguous along n or along k, and so do the packed-A tiles over a B
// contiguous along n when A or B is small (reads_b_in_place); tiny products
// skip packing; a C narrower than half a register tile is computed as
// Cᵀ = Bᵀ·Aᵀ (which then often has few enough rows to skip packing). Narrow
// shapes have kernels of their own (matmul_narrow_avx512.cpp): k = 1 outer
// products, and C of fewer than 16 columns. The path depends on the shape,
// strides and CPU only, never on the thread count.
#include "autodiff/kernels/matmul.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {
namespace {
using detail::GemmKernel;

// Depth of a block. Deeper than the [kc, nr] B micro-panel fits in L1 (it
// streams from L2 at the kernel's pace), since each depth block reads and
// writes its C tiles once more: 512 measured 2–5% faster than 224 on Zen 4.
constexpr int64_t kc_max = 512;
constexpr int64_t mc_max = 192;    // rows per tile: the packed A block [mc, kc] stays in L2
constexpr int64_t nc_max = 4096;   // columns per packed B block [kc, nc], which stays in L3
constexpr int64_t small_volume = 32 * 32 * 32;  // below this m·n·k packing costs more than it saves
constexpr int64_t task_flops = 1 << 19;         // smallest share of a product worth a thread (~5 µs)
constexpr int64_t split_bytes = 512 * 1024;     // a B read in place this large is split over all threads
constexpr int64_t outer_split_bytes = 1 << 20;  // a k = 1 product writing this much C is split over all threads
constexpr int64_t in_place_bytes = 512 * 1024;  // a B block [kc, n] this small stays in L2 when read in place
constexpr int64_t chains_m_max = 3;             // more rows than this hide the FMA latency on their own

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

enum class Isa { best, avx512, avx2, generic };
std::atomic<Isa> forced_isa{Isa::best};

Isa best_isa() {
  if (detail::cpu_has_avx512()) return Isa::avx512;
  if (detail::cpu_has_avx2_fma()) return Isa::avx2;
  return Isa::generic;
}

Isa active_isa() {
  static const Isa best = best_isa();
  const Isa forced = forced_isa.load(std::memory_order_relaxed);
  return forced == Isa::best ? best : forced;
}

template <class T>
GemmKernel<T> kernel_for(Isa isa) {
  if constexpr (std::is_same_v<T, float>) {
    if (isa == Isa::avx512) return detail::avx512_kernel_f32();
    if (isa == Isa::avx2) return detail::avx2_kernel_f32();
    return detail::generic_kernel_f32();
  } else {
    if (isa == Isa::avx512) return detail::avx512_kernel_f64();
    if (isa == Isa::avx2) return detail::avx2_kernel_f64();
    return detail::generic_kernel_f64();
  }
}

template <class T>
detail::NarrowKernels<T> narrow_for(Isa isa) {
  if (isa != Isa::avx512) return {nullptr, nullptr, nullptr, nullptr, nullptr};
  if constexpr (std::is_same_v<T, float>)
    return detail::avx512_narrow_f32();
  else
    return detail::avx512_narrow_f64();
}

template <class T>
detail::UnpackedKernels<T> unpacked_for(Isa isa) {
  if (isa != Isa::avx512) return {nullptr, nullptr};
  if constexpr (std::is_same_v<T, float>)
    return detail::avx512_unpacked_f32();
  else
    return detail::avx512_unpacked_f64();
}

// Packing scratch, reused across calls on one thread. A gemm nested inside
// another on the same thread (a TBB worker stealing work while it waits) finds
// the buffer busy and allocates its own.
class Scratch {
 public:
  explicit Scratch(size_t bytes) {
    bytes = static_cast<size_t>(round_up(static_cast<int64_t>(bytes), 64));
    Pool& pool = pool_;
    if (!pool.busy) {
      if (pool.bytes < bytes) {
        std::free(pool.data);
        pool.data = std::aligned_alloc(64, bytes);
        pool.bytes = pool.data ? bytes : 0;
      }
      pool.busy = true;
      data_ = pool.data;
      pooled_ = true;
    } else {
      data_ = std::aligned_alloc(64, bytes);
    }
    if (!data_) throw std::bad_alloc();
  }
  ~Scratch() {
    if (pooled_)
      pool_.busy = false;
    else
      std::free(data_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* data() const { return data_; }

 private:
  struct Pool {
    void* data = nullptr;
    size_t bytes = 0;
    bool busy = false;
    ~Pool() { std::free(data); }
  };
  static thread_local Pool pool_;
  void* data_ = nullptr;
  bool pooled_ = false;
};
thread_local Scratch::Pool Scratch::pool_;

// Packs rows [0, extent) of an operand, viewed as X[extent, kc] with strides
// (rs_x, rs_p), into ceil(extent / w) panels of [kc, w].
template <class T>
void pack(detail::PackFn<T> pack_one, const T* src, int64_t rs_x, int64_t rs_p, int64_t extent, int64_t kc,
          int64_t w, T* dst) {
  for (int64_t q = 0; q * w < extent; ++q)
    pack_one(src + q * w * rs_x, rs_x, rs_p, std::min(w, extent - q * w), kc, dst + q * w * kc);
}

// Tiny products: one pass, no packing; each C element still sums k in order.
template <class T>
void gemm_small(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a, const T* b, int64_t rs_b,
                int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  for (int64_t i = 0; i < m; ++i) {
    T* crow = c + i * ldc;
    if (!accumulate) std::fill(crow, crow + n, T(0));
    for (int64_t p = 0; p < k; ++p) {
      const T av = a[i * rs_a + p * cs_a];
      const T* brow = b + p * rs_b;
      for (int64_t j = 0; j < n; ++j) crow[j] += av * brow[j * cs_b];
    }
  }
}

// Few rows of A: B is read in place, its columns split across threads. A
// column's sums are the same whichever slice computes it.
template <class T>
void gemm_unpacked(const detail::UnpackedKernels<T>& kern, int64_t m, int64_t n, int64_t k, const T* a,
                   int64_t rs_a, int64_t cs_a, const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc,
                   bool accumulate) {
  detail::UnpackedFn<T> run = cs_b == 1 ? kern.rows : kern.dots;
  std::optional<Scratch> a_rows;  // dots reads A along k: copy a transposed A, [m, k], once
  if (cs_b != 1 && cs_a != 1) {
    a_rows.emplace(sizeof(T) * static_cast<size_t>(m * k));
    T* dst = static_cast<T*>(a_rows->data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t p = 0; p < k; ++p) dst[i * k + p] = a[i * rs_a + p * cs_a];
    a = dst, rs_a = k, cs_a = 1;
  }
  // Few flops per byte of B: a large B is split by its size, since reading it
  // dominates, and two cores read it from their own caches (batch-1 layers).
  const int64_t threads = num_threads();
  int64_t tasks = 2 * m * n * k / task_flops;
  if (static_cast<int64_t>(sizeof(T)) * k * n >= split_bytes) tasks = std::max(tasks, threads);
  tasks = threads == 1 ? 1 : std::clamp<int64_t>(tasks, 1, 4 * threads);
  const int64_t nt = round_up(ceil_div(n, tasks), cs_b == 1 ? 64 : 16);
  parallel_for(ceil_div(n, nt), 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t j0 = t * nt;
      run(m, std::min(nt, n - j0), k, a, rs_a, cs_a, b + j0 * cs_b, rs_b, cs_b, c + j0, ldc, accumulate);
    }
  });
}

// Cuts C's rows into at most `tasks` slices of whole `unit`s and runs body(first row, rows) on each: every C
// element is computed by one call whichever slice holds it, so its sums do not depend on the cut.
void split_rows(int64_t m, int64_t tasks, int64_t unit, FunctionRef<void(int64_t, int64_t)> body) {
  tasks = tasks > 1 ? std::min<int64_t>(tasks, num_threads()) : 1;
  const int64_t rows = round_up(ceil_div(m, tasks), unit);
  parallel_for(ceil_div(m, rows), 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) body(t * rows, std::min(rows, m - t * rows));
  });
}

// Bᵀ is packed once, before the rows are split, so every slice reads the same zero-padded copy.
template <class T>
void gemm_dots(const detail::NarrowKernels<T>& kern, int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a,
               const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  Scratch scratch(sizeof(T) * static_cast<size_t>(n * round_up(k, 64 / sizeof(T))));
  T* bt = static_cast<T*>(scratch.data());
  kern.pack_bt(n, k, b, rs_b, cs_b, bt);
  split_rows(m, 2 * m * n * k / task_flops, 2, [&](int64_t i0, int64_t rows) {
    kern.dots(rows, n, k, a + i0 * rs_a, rs_a, bt, c + i0 * ldc, ldc, accumulate);
  });
}

// Narrow shapes with their own kernels (matmul_narrow_avx512.cpp); false if none fits. A k = 1 product costs
// the bytes of C it writes, so only a large C is worth a second thread; the others split by their flops. Dots
// need k long enough to fill their lanes and pay for a reduction per element.
template <class T>
bool gemm_narrow(const detail::NarrowKernels<T>& kern, int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a,
                 int64_t cs_a, const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  constexpr int64_t lanes = 64 / sizeof(T);
  const bool narrow = n < detail::narrow_n_max && n < m;
  const auto rows_of = [&](detail::UnpackedFn<T> run) {
    return [&, run](int64_t i0, int64_t rows) {
      run(rows, n, k, a + i0 * rs_a, rs_a, cs_a, b, rs_b, cs_b, c + i0 * ldc, ldc, accumulate);
    };
  };
  if (k == 1 && cs_b == 1)
    split_rows(m, static_cast<int64_t>(sizeof(T)) * m * n >= outer_split_bytes ? m : 1, 1, rows_of(kern.outer));
  else if (n <= lanes && m <= chains_m_max && cs_b == 1)
    kern.chains(m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  else if (narrow && rs_a == 1)
    split_rows(m, 2 * m * n * k / task_flops, 2 * lanes, rows_of(kern.columns));
  else if (narrow && cs_a == 1 && k >= 4 * lanes)
    gemm_dots(kern, m, n, k, a, rs_a, b, rs_b, cs_b, c, ldc, accumulate);
  else
    return false;
  return true;
}

// Cᵀ = Bᵀ·Aᵀ through a [n, m] scratch: for a C too narrow to fill the nr-wide
// register tiles, the transposed product fills them.
template <class T>
void gemm_transposed(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a, const T* b,
                     int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  std::vector<T> ct(static_cast<size_t>(n * m));
  if (accumulate)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) ct[j * m + i] = c[i * ldc + j];
  gemm(n, m, k, b, cs_b, rs_b, a, cs_a, rs_a, ct.data(), m, accumulate);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = ct[j * m + i];
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

}  // namespace

template <class T>
void gemm(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a, const T* b, int64_t rs_b,
          int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) return gemm_small(m, n, int64_t{0}, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  const Isa isa = active_isa();
  const detail::NarrowKernels<T> narrow = narrow_for<T>(isa);
  if (narrow.outer && gemm_narrow(narrow, m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate)) return;
  const detail::UnpackedKernels<T> unpacked = unpacked_for<T>(isa);
  if (unpacked.rows && m <= detail::unpacked_m_max && (cs_b == 1 || rs_b == 1))
    return gemm_unpacked(unpacked, m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  if (m * n * k <= small_volume) return gemm_small(m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  const GemmKernel<T> kern = kernel_for<T>(isa);
  if (2 * n < kern.nr && n < m) return gemm_transposed(m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
  gemm_blocked(kern, m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
}

const char* gemm_isa() {
  switch (active_isa()) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

bool force_gemm_isa(const char* name) {
  const std::string_view isa = name ? name : "";
  Isa want = Isa::best;
  if (isa == "avx512")
    want = detail::cpu_has_avx512() ? Isa::avx512 : Isa::best;
  else if (isa == "avx2")
    want = detail::cpu_has_avx2_fma() ? Isa::avx2 : Isa::best;
  else if (isa == "generic")
    want = Isa::generic;
  forced_isa.store(want, std::memory_order_relaxed);
  return want != Isa::best || isa.empty();
}

template void gemm<float>(int64_t, int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t,
                          int64_t, float*, int64_t, bool);
template void gemm<double>(int64_t, int64_t, int64_t, const double*, int64_t, int64_t, const double*, int64_t,
                           int64_t, double*, int64_t, bool);

}  // namespace autodiff::kernels
