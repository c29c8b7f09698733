#pragma once
// Vectorized float32 transcendental functions over contiguous arrays: AVX-512
// where the CPU has it (checked at run time), libm otherwise. Each element's
// result depends only on its input, so the parallel split never changes it.
#include <cstdint>

namespace autodiff::kernels {

/// y[i] = e^x[i] for n contiguous floats (y may alias x). Max error ~2 ulp; denormal results kept.
void vexp(const float* x, float* y, int64_t n);
/// y[i] = tanh(x[i]) for n contiguous floats (y may alias x). Max relative error ≤ 4e-7.
void vtanh(const float* x, float* y, int64_t n);
/// y[i] = 1 / (1 + e^−x[i]) for n contiguous floats (y may alias x). Max relative error ≤ 4e-7.
void vsigmoid(const float* x, float* y, int64_t n);
/// Whether the calls above take the AVX-512 path on this CPU.
bool vmath_vectorized();

}  // namespace autodiff::kernels
