#include "autodiff/kernels/conv.hpp"

#include "autodiff/kernels/parallel.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

// Direct kernels rather than im2col + gemm: with the few channels of small
// networks (c_out ≈ 10) a general gemm spends its time on edges. Each block of
// pixels is unrolled into a patch matrix that stays in L1 and is multiplied by
// weights packed to whole SIMD registers, so accumulators live in registers.
// Every output element is summed in a fixed order, whatever the thread count.

namespace autodiff::kernels {
namespace {

template <class T>
struct Simd {
  typedef T V __attribute__((vector_size(64)));  // one AVX-512 register; split on narrower ISAs
  static constexpr int64_t lanes = 64 / sizeof(T);
};
template <class T>
using Vec = typename Simd<T>::V;

template <class T>
void load(Vec<T>& v, const T* p) { std::memcpy(&v, p, sizeof v); }
template <class T>
void store(T* p, const Vec<T>& v) { std::memcpy(p, &v, sizeof v); }

struct Span {
  int64_t begin, end;
};

int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

// Pixels per patch block: a multiple of the 8-row tile, about 32 KiB of floats.
int64_t block_pixels(int64_t k) { return std::clamp<int64_t>(8192 / std::max<int64_t>(k, 1) / 8 * 8, 8, 256); }

// Short copies as a few fixed-size moves (the first and last pieces may overlap) rather than
// memcpy calls, which would cost more than the handful of channels they move.
inline void copy_bytes(const char* src, size_t bytes, char* dst) {
  if (bytes >= 64) {
    for (size_t i = 0; i + 64 < bytes; i += 64) std::memcpy(dst + i, src + i, 64);
    std::memcpy(dst + bytes - 64, src + bytes - 64, 64);
  } else if (bytes >= 32) {
    std::memcpy(dst, src, 32), std::memcpy(dst + bytes - 32, src + bytes - 32, 32);
  } else if (bytes >= 16) {
    std::memcpy(dst, src, 16), std::memcpy(dst + bytes - 16, src + bytes - 16, 16);
  } else if (bytes >= 8) {
    std::memcpy(dst, src, 8), std::memcpy(dst + bytes - 8, src + bytes - 8, 8);
  } else if (bytes >= 4) {
    std::memcpy(dst, src, 4), std::memcpy(dst + bytes - 4, src + bytes - 4, 4);
  }
}

// dst[0:c] = src[0:c]
template <class T>
void copy_short(const T* src, int64_t c, T* dst) {
  if (c == 1) *dst = *src;
  else copy_bytes(reinterpret_cast<const char*>(src), c * sizeof(T), reinterpret_cast<char*>(dst));
}

// out[r, 0:width] = a[r, 0:k] · b[0:k, 0:L] for r < R: R pixels against one register-wide column block.
template <class T, int R>
void tile_rows(int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* out, int64_t ldo, int64_t width) {
  Vec<T> acc[R] = {};
  for (int64_t q = 0; q < k; ++q) {
    Vec<T> bv;
    load(bv, b + q * ldb);
    for (int r = 0; r < R; ++r) acc[r] += a[r * lda + q] * bv;
  }
  for (int r = 0; r < R; ++r) copy_short(reinterpret_cast<const T*>(&acc[r]), width, out + r * ldo);
}

// out[m, n] = a[m, k] · b[k, round_up(n, L)], b zero-padded to whole registers; out rows ldo apart.
template <class T>
void patch_times_packed(int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* out, int64_t ldo) {
  constexpr int64_t L = Simd<T>::lanes;
  const int64_t ldb = round_up(n, L);
  for (int64_t j = 0; j < n; j += L) {
    const int64_t width = std::min(L, n - j);
    int64_t p = 0;
    for (; p + 8 <= m; p += 8) tile_rows<T, 8>(k, a + p * k, k, b + j, ldb, out + p * ldo + j, ldo, width);
    for (; p < m; ++p) tile_rows<T, 1>(k, a + p * k, k, b + j, ldb, out + p * ldo + j, ldo, width);
  }
}

// gw[r, 0:L] += Σ_p a[p, r] · g[p, 0:L] for r < R, p < m: R weight rows, in pixel order.
template <class T, int R>
void tile_cols(int64_t m, const T* a, int64_t lda, const T* g, int64_t ldg, T* gw, int64_t ldw) {
  Vec<T> acc[R];
  for (int r = 0; r < R; ++r) load(acc[r], gw + r * ldw);
  for (int64_t p = 0; p < m; ++p) {
    Vec<T> gv;
    load(gv, g + p * ldg);
    for (int r = 0; r < R; ++r) acc[r] += a[p * lda + r] * gv;
  }
  for (int r = 0; r < R; ++r) store(gw + r * ldw, acc[r]);
}

// gw[k, ldw] += a[m, k]ᵀ · g[m, ldw], with ldw a whole number of registers.
template <class T>
void patch_t_times(int64_t m, int64_t k, int64_t ldw, const T* a, const T* g, T* gw) {
  for (int64_t j = 0; j < ldw; j += Simd<T>::lanes) {
    int64_t r = 0;
    for (; r + 8 <= k; r += 8) tile_cols<T, 8>(m, a + r, k, g + j, ldw, gw + r * ldw + j, ldw);
    for (; r + 4 <= k; r += 4) tile_cols<T, 4>(m, a + r, k, g + j, ldw, gw + r * ldw + j, ldw);
    for (; r < k; ++r) tile_cols<T, 1>(m, a + r, k, g + j, ldw, gw + r * ldw + j, ldw);
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

// The o in [within.begin, within.end) with lo <= o·stride + shift < hi.
Span solve(int64_t lo, int64_t hi, int64_t stride, int64_t shift, Span within) {
  return {std::max(within.begin, ceil_div(lo - shift, stride)), std::min(within.end, ceil_div(hi - shift, stride))};
}

// Patch rows for output pixels [q0, q1): the kh·kw·c_in inputs under each, zeros in the padding.
// Works along output rows so that each tap copies a whole range of pixels without bounds tests.
template <class T>
void im2col(const Conv2dGeometry& g, const T* x, int64_t q0, int64_t q1, T* patch) {
  const int64_t k = g.kh * g.kw * g.c_in;
  std::fill(patch, patch + (q1 - q0) * k, T(0));
  for (int64_t q = q0; q < q1;) {
    const int64_t row = q / g.out_w, ow0 = q % g.out_w, count = std::min(q1 - q, g.out_w - ow0);
    const int64_t b = row / g.out_h, oh = row % g.out_h;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t ih = oh * g.stride_h + i * g.dil_h - g.pad_top;
      if (ih < 0 || ih >= g.h) continue;
      const T* xrow = x + (b * g.h + ih) * g.w * g.c_in;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t shift = j * g.dil_w - g.pad_left;  // iw = ow·stride_w + shift
        const Span ows = solve(0, g.w, g.stride_w, shift, {ow0, ow0 + count});
        T* dst = patch + (q - q0) * k + (i * g.kw + j) * g.c_in;
        if (g.c_in == 1)  // the common first layer: keep the loop free of branches
          for (int64_t ow = ows.begin; ow < ows.end; ++ow) dst[(ow - ow0) * k] = xrow[ow * g.stride_w + shift];
        else
          for (int64_t ow = ows.begin; ow < ows.end; ++ow)
            copy_short(xrow + (ow * g.stride_w + shift) * g.c_in, g.c_in, dst + (ow - ow0) * k);
      }
    }
    q += count;
  }
}

// Rows for input pixels [q0, q1): the kh·kw·c_out output gradients each one fed, zeros where none.
template <class T>
void gather_output_grad(const Conv2dGeometry& g, const T* gy, int64_t q0, int64_t q1, T* patch) {
  const int64_t k = g.kh * g.kw * g.c_out;
  std::fill(patch, patch + (q1 - q0) * k, T(0));
  for (int64_t q = q0; q < q1;) {
    const int64_t row = q / g.w, iw0 = q % g.w, count = std::min(q1 - q, g.w - iw0);
    const int64_t b = row / g.h, ih = row % g.h;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t th = ih + g.pad_top - i * g.dil_h;  // = oh·stride_h
      if (th < 0 || th % g.stride_h != 0 || th / g.stride_h >= g.out_h) continue;
      const T* gyrow = gy + (b * g.out_h + th / g.stride_h) * g.out_w * g.c_out;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t shift = j * g.dil_w - g.pad_left;  // iw = ow·stride_w + shift
        const Span ows = solve(iw0, iw0 + count, g.stride_w, shift, {0, g.out_w});
        T* dst = patch + (q - q0) * k + (i * g.kw + j) * g.c_out;
        for (int64_t ow = ows.begin; ow < ows.end; ++ow)
          copy_short(gyrow + ow * g.c_out, g.c_out, dst + (ow * g.stride_w + shift - iw0) * k);
      }
    }
    q += count;
  }
}

// out[q, 0:n] = rows(q) · packed for every pixel q < pixels; packed is [k, round_up(n, L)].
template <class T, class Gather>
void patch_product(int64_t pixels, int64_t k, int64_t n, const std::vector<T>& packed, T* out,
                   const Gather& gather) {
  if (pixels <= 0 || n <= 0) return;
  const int64_t block = block_pixels(k);
  const int64_t blocks = (pixels + block - 1) / block;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 17) / (block * std::max<int64_t>(k, 1) * n));
  parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
    std::vector<T> patch(block * k);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t q0 = b * block, q1 = std::min(pixels, q0 + block);
      gather(q0, q1, patch.data());
      patch_times_packed(q1 - q0, n, k, patch.data(), packed.data(), out + q0 * n, n);
    }
  });
}

void check_positive(int64_t v, const char* what) {
  if (v < 1) throw std::invalid_argument("conv2d_geometry: " + std::string(what) + " must be >= 1, got " + std::to_string(v));
}

// TensorFlow's output size and leading pad along one axis; k_eff is the dilated kernel extent.
int64_t output_size(int64_t in, int64_t k_eff, int64_t stride, bool same, int64_t& pad_before) {
  if (same) {
    const int64_t out = (in + stride - 1) / stride;
    pad_before = std::max<int64_t>((out - 1) * stride + k_eff - in, 0) / 2;
    return out;
  }
  pad_before = 0;
  if (k_eff > in)
    throw std::invalid_argument("conv2d_geometry: dilated kernel extent " + std::to_string(k_eff) +
                                " exceeds input size " + std::to_string(in) + " with valid padding");
  return (in - k_eff) / stride + 1;
}

}  // namespace

Conv2dGeometry conv2d_geometry(int64_t n, int64_t h, int64_t w, int64_t c_in, int64_t kh, int64_t kw,
                               int64_t c_out, int64_t stride_h, int64_t stride_w, int64_t dil_h, int64_t dil_w,
                               bool same_padding) {
  if (n < 0) throw std::invalid_argument("conv2d_geometry: batch must be >= 0, got " + std::to_string(n));
  check_positive(h, "height");
  check_positive(w, "width");
  check_positive(c_in, "input channels");
  check_positive(kh, "kernel height");
  check_positive(kw, "kernel width");
  check_positive(c_out, "output channels");
  check_positive(stride_h, "stride height");
  check_positive(stride_w, "stride width");
  check_positive(dil_h, "dilation height");
  check_positive(dil_w, "dilation width");
  Conv2dGeometry g{n, h, w, c_in, kh, kw, c_out, stride_h, stride_w, dil_h, dil_w, 0, 0, 0, 0};
  g.out_h = output_size(h, (kh - 1) * dil_h + 1, stride_h, same_padding, g.pad_top);
  g.out_w = output_size(w, (kw - 1) * dil_w + 1, stride_w, same_padding, g.pad_left);
  return g;
}

template <class T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, T* y) {
  const int64_t k = g.kh * g.kw * g.c_in, ldb = round_up(g.c_out, Simd<T>::lanes);
  std::vector<T> packed(k * ldb, T(0));  // w as [k, c_out] with rows padded to whole registers
  for (int64_t r = 0; r < k; ++r) std::copy_n(w + r * g.c_out, g.c_out, packed.begin() + r * ldb);
  patch_product<T>(g.n * g.out_h * g.out_w, k, g.c_out, packed, y,
                   [&](int64_t q0, int64_t q1, T* patch) { im2col(g, x, q0, q1, patch); });
}

template <class T>
void conv2d_backward_input(const Conv2dGeometry& g, const T* gy, const T* w, T* gx) {
  // gx[pixel, ci] = Σ_{tap, co} gy[pixel fed by tap, co] · w[tap, ci, co]: gathered per input pixel, so no
  // two threads write one element; packed is w transposed per tap, [kh·kw·c_out, c_in].
  const int64_t taps = g.kh * g.kw, k = taps * g.c_out, ldb = round_up(g.c_in, Simd<T>::lanes);
  std::vector<T> packed(k * ldb, T(0));
  for (int64_t t = 0; t < taps; ++t)
    for (int64_t ci = 0; ci < g.c_in; ++ci)
      for (int64_t co = 0; co < g.c_out; ++co)
        packed[(t * g.c_out + co) * ldb + ci] = w[(t * g.c_in + ci) * g.c_out + co];
  patch_product<T>(g.n * g.h * g.w, k, g.c_in, packed, gx,
                   [&](int64_t q0, int64_t q1, T* patch) { gather_output_grad(g, gy, q0, q1, patch); });
}

template <class T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* gy, T* gw) {
  const int64_t k = g.kh * g.kw * g.c_in, ldw = round_up(g.c_out, Simd<T>::lanes);
  const int64_t pixels = g.n * g.out_h * g.out_w, block = block_pixels(k);
  // The sum over pixels runs in chunks fixed by the shape alone (at most ~64), whose partial sums are
  // then added in chunk order, so gw does not depend on the thread count.
  const int64_t chunk = round_up(std::max(4 * block, (pixels + 63) / 64), block);
  const int64_t chunks = (pixels + chunk - 1) / chunk;
  std::vector<T> partial(chunks * k * ldw, T(0));
  parallel_chunks(pixels, chunk, [&](int64_t c, int64_t begin, int64_t end) {
    std::vector<T> patch(block * k), gpad(block * ldw, T(0));
    for (int64_t q0 = begin; q0 < end; q0 += block) {
      const int64_t q1 = std::min(end, q0 + block);
      im2col(g, x, q0, q1, patch.data());
      for (int64_t q = q0; q < q1; ++q) copy_short(gy + q * g.c_out, g.c_out, gpad.data() + (q - q0) * ldw);
      patch_t_times(q1 - q0, k, ldw, patch.data(), gpad.data(), partial.data() + c * k * ldw);
    }
  });
  parallel_for(k * g.c_out, 4096, [&](int64_t e0, int64_t e1) {
    for (int64_t e = e0; e < e1; ++e) {
      const int64_t offset = e / g.c_out * ldw + e % g.c_out;
      T sum = T(0);
      for (int64_t c = 0; c < chunks; ++c) sum += partial[c * k * ldw + offset];
      gw[e] = sum;
    }
  });
}

template void conv2d_forward<float>(const Conv2dGeometry&, const float*, const float*, float*);
template void conv2d_forward<double>(const Conv2dGeometry&, const double*, const double*, double*);
template void conv2d_backward_input<float>(const Conv2dGeometry&, const float*, const float*, float*);
template void conv2d_backward_input<double>(const Conv2dGeometry&, const double*, const double*, double*);
template void conv2d_backward_weight<float>(const Conv2dGeometry&, const float*, const float*, float*);
template void conv2d_backward_weight<double>(const Conv2dGeometry&, const double*, const double*, double*);

}  // namespace autodiff::kernels
