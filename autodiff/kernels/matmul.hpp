#pragma once
#include <cstdint>

namespace autodiff::kernels {

/// C[m,n] (+)= A[m,k] · B[k,n]. A and B are read through (row, column) strides,
/// so transposed operands need no copy; C is row-major with leading dimension ldc.
/// Deterministic: each C element sums over k in the same order for any thread count.
template <class T>
void gemm(int64_t m, int64_t n, int64_t k,
          const T* a, int64_t rs_a, int64_t cs_a,
          const T* b, int64_t rs_b, int64_t cs_b,
          T* c, int64_t ldc, bool accumulate);

/// Which micro-kernel gemm<float> dispatches to on this CPU ("avx512", "avx2", "generic").
const char* gemm_isa();

/// Forces the micro-kernel family ("avx512", "avx2", "generic"; nullptr or "" = best
/// for this CPU), for tests and benchmarks. Returns false if this CPU cannot run it.
bool force_gemm_isa(const char* name);

}  // namespace autodiff::kernels
