// gemm picks one path per product from its shape, strides and the CPU, never from the thread
// count: narrow shapes have kernels of their own (matmul_narrow_avx512.cpp: k = 1 outer products
// and C of fewer than 16 columns); a few rows of A (batch-1 inference) read B in place, when B is
// contiguous along n or along k; tiny products skip packing; a C narrower than half a register tile
// is computed as Cᵀ = Bᵀ·Aᵀ (which then often has few enough rows to skip packing); the rest takes
// the packed, cache-blocked loop nest of matmul_blocked.cpp. On every path each C element sums over
// k in an order that depends on k alone, so results are the same for any thread count.
#include "autodiff/kernels/matmul.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/matmul_scratch.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {
namespace {
using detail::GemmKernel;
using detail::ceil_div;
using detail::round_up;
using detail::Scratch;
using detail::task_flops;

constexpr int64_t small_volume = 32 * 32 * 32;  // below this m·n·k packing costs more than it saves
constexpr int64_t split_bytes = 512 * 1024;     // a B read in place this large is split over all threads
constexpr int64_t outer_split_bytes = 1 << 20;  // a k = 1 product writing this much C is split over all threads
constexpr int64_t chains_m_max = 3;             // more rows than this hide the FMA latency on their own


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

// Tiny products: no blocking; each C element sums k in order, from 0 or from C. With a few rows, B is
// first copied row-major into [k, n] padded to whole vectors (a transposed B, such as the attention's
// per-head q·kᵀ and g·vᵀ, then reads contiguously too), and C is summed in registers, four rows by one
// vector at a time, rather than in memory.
template <class T>
void gemm_small(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a, const T* b, int64_t rs_b,
                int64_t cs_b, T* c, int64_t ldc, bool accumulate) {
  constexpr int64_t w = 64 / sizeof(T);
  if (m < 4 || k == 0) {
    for (int64_t i = 0; i < m; ++i) {
      T* crow = c + i * ldc;
      if (!accumulate) std::fill(crow, crow + n, T(0));
      for (int64_t p = 0; p < k; ++p) {
        const T av = a[i * rs_a + p * cs_a];
        for (int64_t j = 0; j < n; ++j) crow[j] += av * b[p * rs_b + j * cs_b];
      }
    }
    return;
  }
  const int64_t np = round_up(n, w);
  Scratch scratch(sizeof(T) * static_cast<size_t>(k * np));
  T* bp = static_cast<T*>(scratch.data());
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) bp[p * np + j] = b[p * rs_b + j * cs_b];
    std::fill(bp + p * np + n, bp + (p + 1) * np, T(0));
  }
  // Four rows of C share each vector of B; a last group of fewer rows repeats its last row and drops it.
  typedef T V __attribute__((vector_size(64)));
  constexpr int64_t tile = 4;
  for (int64_t i0 = 0; i0 < m; i0 += tile) {
    const int64_t rows = std::min(tile, m - i0);
    const T* arow[tile];
    for (int64_t r = 0; r < tile; ++r) arow[r] = a + (i0 + std::min(r, rows - 1)) * rs_a;
    for (int64_t j0 = 0; j0 < n; j0 += w) {
      const int64_t nw = std::min(w, n - j0);
      T lanes[w] = {};
      V acc[tile] = {};
      for (int64_t r = 0; accumulate && r < rows; ++r) {
        std::copy(c + (i0 + r) * ldc + j0, c + (i0 + r) * ldc + j0 + nw, lanes);
        std::memcpy(&acc[r], lanes, sizeof(V));
      }
      for (int64_t p = 0; p < k; ++p) {
        V bv;
        std::memcpy(&bv, bp + p * np + j0, sizeof(V));
        for (int64_t r = 0; r < tile; ++r) acc[r] += arow[r][p * cs_a] * bv;
      }
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(lanes, &acc[r], sizeof(V));
        std::copy(lanes, lanes + nw, c + (i0 + r) * ldc + j0);
      }
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
  detail::gemm_blocked(kern, m, n, k, a, rs_a, cs_a, b, rs_b, cs_b, c, ldc, accumulate);
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
