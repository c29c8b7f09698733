#pragma once
// Vectorized float32 transcendental functions over contiguous arrays: AVX-512
// where the CPU has it (checked at run time), libm otherwise. Each element's
// result depends only on its input, so the parallel split never changes it.
#include <cmath>
#include <cstdint>

namespace autodiff::kernels {

/// 1 / (1 + e^−v), split by sign so that e^−v never overflows: the scalar sigmoid of every path.
template <class T>
T sigmoid_of(T v) {
  if (v >= T(0)) return T(1) / (T(1) + std::exp(-v));
  const T e = std::exp(v);
  return e / (T(1) + e);
}

/// y[i] = e^x[i] for n contiguous floats (y may alias x). Max error ~2 ulp; denormal results kept.
void vexp(const float* x, float* y, int64_t n);
/// y[i] = tanh(x[i]) for n contiguous floats (y may alias x). Max relative error ≤ 4e-7.
void vtanh(const float* x, float* y, int64_t n);
/// y[i] = 1 / (1 + e^−x[i]) for n contiguous floats (y may alias x). Max relative error ≤ 4e-7.
void vsigmoid(const float* x, float* y, int64_t n);
/// The same over `rows` rows of `cols` floats whose starts are `ldx` apart in x (a column block of a
/// wider matrix: one LSTM gate of the stacked pre-activations); y is contiguous [rows, cols].
void vexp(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols);
void vtanh(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols);
void vsigmoid(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols);
/// The row kernels behind them, run on the calling thread: for kernels that split their work into rows
/// themselves (the fused LSTM cell), where a parallel loop per row would cost more than the row.
using VmathRow = void (*)(const float* x, float* y, int64_t n);
VmathRow tanh_row();
VmathRow sigmoid_row();
/// Whether the calls above take the AVX-512 path on this CPU.
bool vmath_vectorized();

}  // namespace autodiff::kernels
