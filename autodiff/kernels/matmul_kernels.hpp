#pragma once
// Internal to the gemm kernels: the packed-panel contract between the driver
// (matmul.cpp, which blocks, packs and parallelises) and the per-ISA
// micro-kernels (matmul_avx512.cpp, matmul_avx2.cpp, matmul_generic.cpp).
#include <cstdint>

namespace autodiff::kernels::detail {

/// Runs the micro-kernels over one packed block:
/// C[mc,nc] (+)= Ap[mc,kc] · Bp[kc,nc], where Ap holds ceil(mc/mr) panels of
/// [kc, mr] (k-major, zero padded) and Bp holds ceil(nc/nr) panels of [kc, nr].
/// Every C element is one k-ordered FMA chain started from zero and then added
/// to C (or stored), whichever panel shape or edge variant computes it.
template <class T>
using BlockFn = void (*)(int64_t mc, int64_t nc, int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc,
                         bool accumulate);

/// A BlockFn whose full-width B panels are read in place from B[kc, nc] (contiguous along n, row stride rs_b);
/// only the last, partial panel (nc mod nr columns) comes packed, in `edge`. Same sums as the BlockFn.
template <class T>
using BlockRowsFn = void (*)(int64_t mc, int64_t nc, int64_t kc, const T* ap, const T* b, int64_t rs_b, const T* edge,
                             T* c, int64_t ldc, bool accumulate);

/// Packs one [kc, w] panel: dst[p·w + x] = src[x·rs_x + p·rs_p] for x < width,
/// zero for width ≤ x < w (see matmul_pack.hpp).
template <class T>
using PackFn = void (*)(const T* src, int64_t rs_x, int64_t rs_p, int64_t width, int64_t kc, T* dst);

/// Few rows of A, B read in place (matmul_unpacked_avx512.cpp): C[m,n] (+)= A[m,k] · B[k,n]
/// for m ≤ unpacked_m_max. `rows` needs cs_b = 1; `dots` needs rs_b = 1 and cs_a = 1.
/// Each C element's order of summation over k depends on k alone.
template <class T>
using UnpackedFn = void (*)(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a, const T* b,
                            int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate);
inline constexpr int64_t unpacked_m_max = 12;

template <class T>
struct UnpackedKernels {
  UnpackedFn<T> rows;
  UnpackedFn<T> dots;
};

/// Narrow shapes (matmul_narrow_avx512.cpp), each C[m,n] (+)= A[m,k] · B[k,n]: `outer` for k = 1
/// and `chains` for n ≤ W (one vector) and few rows, both with cs_b = 1; for n < narrow_n_max,
/// `columns` with rs_a = 1 (A contiguous along m), or `dots` with cs_a = 1 over a Bᵀ that `pack_bt`
/// wrote into [n, round_up(k, W)]. Each C element's order of summation over k depends on k alone.
template <class T>
struct NarrowKernels {
  UnpackedFn<T> outer;
  UnpackedFn<T> chains;
  UnpackedFn<T> columns;
  void (*pack_bt)(int64_t n, int64_t k, const T* b, int64_t rs_b, int64_t cs_b, T* bt);
  void (*dots)(int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, const T* bt, T* c, int64_t ldc,
               bool accumulate);
};
inline constexpr int64_t narrow_n_max = 16;

/// A micro-kernel family: its register tile [mr, nr], the packers for its A
/// panels (w = mr) and B panels (w = nr), its block runner, and optionally one reading B in place.
template <class T>
struct GemmKernel {
  const char* name;
  int64_t mr;
  int64_t nr;
  PackFn<T> pack_a;
  PackFn<T> pack_b;
  BlockFn<T> block;
  BlockRowsFn<T> block_rows = nullptr;
};

/// Whether this CPU (and compiler) can run the AVX-512 / AVX2+FMA kernels.
bool cpu_has_avx512();
bool cpu_has_avx2_fma();

/// The packed, cache-blocked product (matmul_blocked.cpp), C[m,n] (+)= A[m,k] · B[k,n] through strides.
template <class T>
void gemm_blocked(const GemmKernel<T>& kern, int64_t m, int64_t n, int64_t k, const T* a, int64_t rs_a, int64_t cs_a,
                  const T* b, int64_t rs_b, int64_t cs_b, T* c, int64_t ldc, bool accumulate);

GemmKernel<float> avx512_kernel_f32();
GemmKernel<double> avx512_kernel_f64();
GemmKernel<float> avx2_kernel_f32();
GemmKernel<double> avx2_kernel_f64();
GemmKernel<float> generic_kernel_f32();
GemmKernel<double> generic_kernel_f64();
UnpackedKernels<float> avx512_unpacked_f32();
UnpackedKernels<double> avx512_unpacked_f64();
NarrowKernels<float> avx512_narrow_f32();
NarrowKernels<double> avx512_narrow_f64();

}  // namespace autodiff::kernels::detail
