// Portable gemm micro-kernel for CPUs without AVX2: plain loops over a small
// register tile that the compiler vectorises for the baseline ISA.
#include <algorithm>

#include "autodiff/kernels/matmul_kernels.hpp"
#include "autodiff/kernels/matmul_pack.hpp"

namespace autodiff::kernels::detail {
namespace {

constexpr int64_t generic_mr = 4;
constexpr int64_t generic_nr = 8;

// Panels are zero padded, so the full tile is computed and only [mr, nr] stored.
template <class T>
void tile(int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  T acc[generic_mr][generic_nr] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int64_t i = 0; i < generic_mr; ++i)
      for (int64_t j = 0; j < generic_nr; ++j) acc[i][j] += ap[i] * bp[j];
    ap += generic_mr;
    bp += generic_nr;
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

template <class T>
void block(int64_t mc, int64_t nc, int64_t kc, const T* ap, const T* bp, T* c, int64_t ldc, bool accumulate) {
  for (int64_t j = 0; j < nc; j += generic_nr)
    for (int64_t i = 0; i < mc; i += generic_mr)
      tile(kc, ap + i * kc, bp + j * kc, c + i * ldc + j, ldc, std::min(generic_mr, mc - i),
           std::min(generic_nr, nc - j), accumulate);
}

}  // namespace

template <class T>
GemmKernel<T> kernel() {
  return {"generic", generic_mr, generic_nr, &pack_panel<T, generic_mr>, &pack_panel<T, generic_nr>, &block<T>};
}

GemmKernel<float> generic_kernel_f32() { return kernel<float>(); }
GemmKernel<double> generic_kernel_f64() { return kernel<double>(); }

}  // namespace autodiff::kernels::detail
