#include "autodiff/kernels/vmath.hpp"

// GCC 12's AVX-512 intrinsics self-initialise a dummy source (_mm512_undefined_ps), which
// -Wuninitialized flags inside the header (as in matmul_avx512.cpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {
namespace {


// e^x by range reduction x = k·ln2 + r, |r| ≤ ln2/2, and Cephes' expf polynomial for e^r.
// The input is clamped so k stays finite (±inf would make r NaN); scalef then applies 2^k
// with one rounding, so overflow gives inf and tiny results round correctly into denormals.
// max_ps(lo, x) returns x when x is NaN, so NaN passes the clamp and propagates.
[[gnu::always_inline, gnu::target("avx512f")]] inline __m512 exp16(__m512 x) {
  x = _mm512_min_ps(_mm512_set1_ps(89.0f), _mm512_max_ps(_mm512_set1_ps(-104.0f), x));
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);  // ln2 split: exact k·hi
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, k);
}

// tanh|x| = (1 − e)/(1 + e) with e = e^(−2|x|); below 0.625 that cancels, so Cephes' tanhf
// odd polynomial takes over. The sign is restored by xor, which leaves NaN a NaN.
[[gnu::always_inline, gnu::target("avx512f")]] inline __m512 tanh16(__m512 x) {
  const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  const __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(sign_bit, _mm512_castps_si512(x)));
  const __m512 e = exp16(_mm512_mul_ps(a, _mm512_set1_ps(-2.0f)));
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 big = _mm512_div_ps(_mm512_sub_ps(one, e), _mm512_add_ps(one, e));
  const __m512 z = _mm512_mul_ps(a, a);
  __m512 p = _mm512_set1_ps(-5.70498872745e-3f);
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(2.06390887954e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-5.37397155531e-2f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(1.33314422036e-1f));
  p = _mm512_fmadd_ps(p, z, _mm512_set1_ps(-3.33332819422e-1f));
  const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), a, a);
  const __mmask16 is_small = _mm512_cmp_ps_mask(a, _mm512_set1_ps(0.625f), _CMP_LT_OQ);
  const __m512 t = _mm512_mask_blend_ps(is_small, big, small);
  const __m512i s = _mm512_and_si512(sign_bit, _mm512_castps_si512(x));
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(t), s));
}

// Split by sign like the scalar code: e = e^(−|x|) ≤ 1 never overflows, and
// σ(x) = 1/(1 + e) for x ≥ 0, e/(1 + e) below; NaN fails x ≥ 0 and yields e, a NaN.
[[gnu::always_inline, gnu::target("avx512f")]] inline __m512 sigmoid16(__m512 x) {
  const __m512i sign_bit = _mm512_set1_epi32(static_cast<int>(0x80000000u));
  const __m512 neg_abs = _mm512_castsi512_ps(_mm512_or_si512(sign_bit, _mm512_castps_si512(x)));
  const __m512 e = exp16(neg_abs);
  const __m512 one = _mm512_set1_ps(1.0f);
  const __mmask16 nonneg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_div_ps(_mm512_mask_blend_ps(nonneg, e, one), _mm512_add_ps(one, e));
}


// One row loop per function: full vectors, then a masked tail through the same code.
template <__m512 (*F)(__m512)>
[[gnu::target("avx512f")]] void row_avx512(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, F(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, F(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

void exp_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]);
}
void tanh_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}
void sigmoid_scalar(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = sigmoid_of(x[i]);
}

bool has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

// Chunks split the flat output, so a few long rows still use both threads.
void run(VmathRow vector_row, VmathRow scalar_row, const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols) {
  const VmathRow row = has_avx512() ? vector_row : scalar_row;
  parallel_for(rows * cols, kElementwiseGrain, [&](int64_t b, int64_t e) {
    while (b < e) {
      const int64_t r = b / cols, c0 = b % cols, c1 = std::min(cols, c0 + (e - b));
      row(x + r * ldx + c0, y + b, c1 - c0);
      b += c1 - c0;
    }
  });
}

}  // namespace

bool vmath_vectorized() { return has_avx512(); }
VmathRow tanh_row() { return has_avx512() ? row_avx512<tanh16> : tanh_scalar; }
VmathRow sigmoid_row() { return has_avx512() ? row_avx512<sigmoid16> : sigmoid_scalar; }

void vexp(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols) {
  run(row_avx512<exp16>, exp_scalar, x, ldx, y, rows, cols);
}
void vtanh(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols) {
  run(row_avx512<tanh16>, tanh_scalar, x, ldx, y, rows, cols);
}
void vsigmoid(const float* x, int64_t ldx, float* y, int64_t rows, int64_t cols) {
  run(row_avx512<sigmoid16>, sigmoid_scalar, x, ldx, y, rows, cols);
}
void vexp(const float* x, float* y, int64_t n) { vexp(x, n, y, 1, n); }
void vtanh(const float* x, float* y, int64_t n) { vtanh(x, n, y, 1, n); }
void vsigmoid(const float* x, float* y, int64_t n) { vsigmoid(x, n, y, 1, n); }

}  // namespace autodiff::kernels
