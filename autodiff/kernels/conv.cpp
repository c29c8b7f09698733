#include "autodiff/kernels/conv.hpp"

#include "autodiff/kernels/parallel.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

// Direct kernels rather than im2col + gemm: with the few channels of small
// networks (c_out ≈ 10) a general gemm spends its time on edges, and unrolling
// patches copies every input kh·kw times. Instead each image (a band of its rows)
// is copied once into a buffer with its zero border, and the taps of a pixel are
// read from there through a table of offsets, against weights packed to whole
// SIMD registers, so accumulators live in registers. Only the strided case of
// conv2d_backward_input still gathers a patch matrix per block of pixels.
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

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

// The o in [within.begin, within.end) with lo <= o·stride + shift < hi.
Span solve(int64_t lo, int64_t hi, int64_t stride, int64_t shift, Span within) {
  return {std::max(within.begin, ceil_div(lo - shift, stride)), std::min(within.end, ceil_div(hi - shift, stride))};
}

// A source [n, src_h, src_w, c] seen through a zero border: padded element (u, v) of image b is
// src[b, u − top, v − left], zero outside; padded rows are wp·c elements long.
struct Padded {
  int64_t src_h, src_w, c, top, left, wp;
};

// Padded rows [u0, u1) of one image into dst.
template <class T>
void pad_rows(const Padded& p, const T* image, int64_t u0, int64_t u1, T* dst) {
  const int64_t row = p.wp * p.c;
  const int64_t v0 = std::min(p.left, p.wp), v1 = std::clamp(p.left + p.src_w, v0, p.wp);  // columns from src
  for (int64_t u = u0; u < u1; ++u, dst += row) {
    const int64_t su = u - p.top;
    if (su < 0 || su >= p.src_h) {
      std::fill_n(dst, row, T(0));
      continue;
    }
    std::fill_n(dst, v0 * p.c, T(0));
    std::copy_n(image + (su * p.src_w + v0 - p.left) * p.c, (v1 - v0) * p.c, dst + v0 * p.c);
    std::fill(dst + v1 * p.c, dst + row, T(0));
  }
}

// One direct convolution: out[b, oh, ow, 0:n] = init + Σ_q padded_b[oh·sh + …, ow·sw + …][…] · packed[q, 0:n], the
// q-th tap at offset off[q] from the pixel's first; packed is [k, round_up(n, L)].
template <class T>
struct Direct {
  Padded p;
  int64_t batch, out_h, out_w, sh, sw;
  int64_t extent_h;  // padded rows under one output row: (kh − 1)·dh + 1
  std::vector<int64_t> off;
  int64_t n;
  const T* packed;
  const T* src;
  T* out;
  std::vector<T> init;  // [round_up(n, L)]: what each output starts from (the bias, or zeros)
  const T* image(int64_t b) const { return src + b * p.src_h * p.src_w * p.c; }
};

// Tap offsets (i·dh·wp + j·dw)·c + ci, in the order (i, j, ci) of packed's rows.
std::vector<int64_t> tap_offsets(int64_t kh, int64_t kw, int64_t dh, int64_t dw, int64_t c, int64_t wp) {
  std::vector<int64_t> off;
  off.reserve(kh * kw * c);
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j)
      for (int64_t ci = 0; ci < c; ++ci) off.push_back((i * dh * wp + j * dw) * c + ci);
  return off;
}

// out[r, 0:width] = init + Σ_q a[r·lda + off[q]] · b[q, 0:L] for r < R: R pixels of one row against one
// register-wide column block.
template <class T, int R>
void tile_taps(int64_t k, const int64_t* off, const T* a, int64_t lda, const T* b, int64_t ldb, const T* init, T* out,
               int64_t ldo, int64_t width) {
  Vec<T> acc[R];
  for (int r = 0; r < R; ++r) load(acc[r], init);
  for (int64_t q = 0; q < k; ++q) {
    Vec<T> bv;
    load(bv, b + q * ldb);
    const T* aq = a + off[q];
    for (int r = 0; r < R; ++r) acc[r] += aq[r * lda] * bv;
  }
  for (int r = 0; r < R; ++r) copy_short(reinterpret_cast<const T*>(&acc[r]), width, out + r * ldo);
}

// gw[q, 0:L] += Σ_{pixels} a[pixel + off[q]] · g[pixel, 0:L] for the R taps q < R, over `rows` rows of
// out_w pixels, in pixel order: a's rows are `step` apart and its pixels lda apart.
template <class T, int R>
void tile_taps_t(int64_t rows, int64_t out_w, const int64_t* off, const T* a, int64_t step, int64_t lda, const T* g,
                 int64_t ldg, T* gw, int64_t ldw) {
  Vec<T> acc[R];
  for (int r = 0; r < R; ++r) load(acc[r], gw + r * ldw);
  for (int64_t oh = 0; oh < rows; ++oh) {
    const T* ar = a + oh * step;
    const T* gr = g + oh * out_w * ldg;
    for (int64_t ow = 0; ow < out_w; ++ow) {
      Vec<T> gv;
      load(gv, gr + ow * ldg);
      const T* ap = ar + ow * lda;
      for (int r = 0; r < R; ++r) acc[r] += ap[off[r]] * gv;
    }
  }
  for (int r = 0; r < R; ++r) store(gw + r * ldw, acc[r]);
}

// Calls tile<R>() for R = r at run time, 1 <= r <= kMaxTile: the register tiles above take R as a constant.
constexpr int kMaxTile = 8;
template <int R = 1, class F>
void with_tile(int r, const F& tile) {
  if constexpr (R < kMaxTile)
    if (r != R) return with_tile<R + 1>(r, tile);
  tile.template operator()<R>();
}

// Splits [0, n) into ⌈n / kMaxTile⌉ near-equal tiles, as wide as registers allow.
template <class F>
void balanced_tiles(int64_t n, const F& f) {
  const int64_t tiles = (n + kMaxTile - 1) / kMaxTile;
  for (int64_t t = 0, begin = 0; t < tiles; ++t) {
    const int64_t end = n * (t + 1) / tiles;
    f(begin, static_cast<int>(end - begin));
    begin = end;
  }
}

// Output rows [r0, r1) of the flattened [batch·out_h] rows, a band of one image at a time.
template <class T>
void direct_rows(const Direct<T>& d, int64_t r0, int64_t r1, std::vector<T>& band) {
  constexpr int64_t L = Simd<T>::lanes;
  const int64_t k = static_cast<int64_t>(d.off.size()), ldb = round_up(d.n, L), row = d.p.wp * d.p.c;
  const int64_t lda = d.sw * d.p.c, step = d.sh * row;
  for (int64_t r = r0; r < r1;) {
    const int64_t b = r / d.out_h, oh0 = r % d.out_h, oh1 = std::min(d.out_h, oh0 + (r1 - r));
    const int64_t u0 = oh0 * d.sh, u1 = (oh1 - 1) * d.sh + d.extent_h;
    band.resize((u1 - u0) * row);
    pad_rows(d.p, d.image(b), u0, u1, band.data());
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const T* a = band.data() + (oh - oh0) * step;
      T* o = d.out + ((b * d.out_h + oh) * d.out_w) * d.n;
      for (int64_t j = 0; j < d.n; j += L) {
        const int64_t width = std::min(L, d.n - j);
        const T* pb = d.packed + j;
        const T* init = d.init.data() + j;
        balanced_tiles(d.out_w, [&](int64_t ow, int r) {
          with_tile(r, [&]<int R>() {
            tile_taps<T, R>(k, d.off.data(), a + ow * lda, lda, pb, ldb, init, o + ow * d.n + j, d.n, width);
          });
        });
      }
    }
    r += oh1 - oh0;
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
void run_direct(const Direct<T>& d) {
  const int64_t per_row = std::max<int64_t>(1, d.out_w * static_cast<int64_t>(d.off.size()) * d.n);
  parallel_for(d.batch * d.out_h, std::max<int64_t>(1, (int64_t{1} << 17) / per_row), [&](int64_t r0, int64_t r1) {
    std::vector<T> band;
    direct_rows(d, r0, r1, band);
  });
}

// The padded width that the output columns of g reach: (out_w − 1)·sw + (kw − 1)·dw + 1.
int64_t reach_w(const Conv2dGeometry& g) { return (g.out_w - 1) * g.stride_w + (g.kw - 1) * g.dil_w + 1; }

// init[0:n] = bias (zeros without one), padded to whole registers.
template <class T>
std::vector<T> padded_bias(const T* bias, int64_t n) {
  std::vector<T> init(round_up(n, Simd<T>::lanes), T(0));
  if (bias) std::copy_n(bias, n, init.begin());
  return init;
}

template <class T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, T* y, const T* bias) {
  const int64_t k = g.kh * g.kw * g.c_in, ldb = round_up(g.c_out, Simd<T>::lanes), wp = reach_w(g);
  std::vector<T> packed(k * ldb, T(0));  // w as [k, c_out] with rows padded to whole registers
  for (int64_t r = 0; r < k; ++r) std::copy_n(w + r * g.c_out, g.c_out, packed.begin() + r * ldb);
  run_direct(Direct<T>{{g.h, g.w, g.c_in, g.pad_top, g.pad_left, wp},
                       g.n, g.out_h, g.out_w, g.stride_h, g.stride_w, (g.kh - 1) * g.dil_h + 1,
                       tap_offsets(g.kh, g.kw, g.dil_h, g.dil_w, g.c_in, wp), g.c_out, packed.data(), x, y,
                       padded_bias(bias, g.c_out)});
}

template <class T>
void conv2d_backward_input(const Conv2dGeometry& g, const T* gy, const T* w, T* gx) {
  const int64_t taps = g.kh * g.kw, k = taps * g.c_out, ldb = round_up(g.c_in, Simd<T>::lanes);
  if (g.stride_h == 1 && g.stride_w == 1) {
    // A convolution of gy, zero-bordered, with the kernel flipped: gx[ih, iw] = Σ gy[ih + pt − i·dh, iw + pl − j·dw]
    // · w[i, j]ᵀ. Padded row ih + i'·dh, i' = kh − 1 − i, holds gy row ih + pt − i·dh.
    std::vector<T> packed(k * ldb, T(0));  // rows (i', j', co), columns ci
    for (int64_t i = 0; i < g.kh; ++i)
      for (int64_t j = 0; j < g.kw; ++j)
        for (int64_t co = 0; co < g.c_out; ++co)
          for (int64_t ci = 0; ci < g.c_in; ++ci)
            packed[(((g.kh - 1 - i) * g.kw + (g.kw - 1 - j)) * g.c_out + co) * ldb + ci] =
                w[((i * g.kw + j) * g.c_in + ci) * g.c_out + co];
    const int64_t top = (g.kh - 1) * g.dil_h - g.pad_top, left = (g.kw - 1) * g.dil_w - g.pad_left;
    const int64_t wp = g.w + (g.kw - 1) * g.dil_w;
    run_direct(Direct<T>{{g.out_h, g.out_w, g.c_out, top, left, wp},
                         g.n, g.h, g.w, 1, 1, (g.kh - 1) * g.dil_h + 1,
                         tap_offsets(g.kh, g.kw, g.dil_h, g.dil_w, g.c_out, wp), g.c_in, packed.data(), gy, gx,
                         padded_bias<T>(nullptr, g.c_in)});
    return;
  }
  // Strided: gx[pixel, ci] = Σ_{tap, co} gy[pixel fed by tap, co] · w[tap, ci, co], gathered per input pixel,
  // so no two threads write one element; packed is w transposed per tap, [kh·kw·c_out, c_in].
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
  constexpr int64_t L = Simd<T>::lanes;
  const int64_t k = g.kh * g.kw * g.c_in, ldw = round_up(g.c_out, L), wp = reach_w(g);
  const int64_t extent_h = (g.kh - 1) * g.dil_h + 1, row = wp * g.c_in;
  const Padded p{g.h, g.w, g.c_in, g.pad_top, g.pad_left, wp};
  const std::vector<int64_t> off = tap_offsets(g.kh, g.kw, g.dil_h, g.dil_w, g.c_in, wp);
  // The sum over output rows runs in chunks fixed by the shape alone (at most ~64, each at least ~256
  // pixels), whose partial sums are then added in chunk order, so gw does not depend on the thread count.
  const int64_t rows = g.n * g.out_h;
  const int64_t chunk = std::max((rows + 63) / 64, (255 + g.out_w) / g.out_w);
  const int64_t chunks = (rows + chunk - 1) / chunk;
  std::vector<T> partial(chunks * k * ldw, T(0));
  parallel_chunks(rows, chunk, [&](int64_t c, int64_t r0, int64_t r1) {
    std::vector<T> band, gpad;
    T* part = partial.data() + c * k * ldw;
    for (int64_t r = r0; r < r1;) {
      const int64_t b = r / g.out_h, oh0 = r % g.out_h, oh1 = std::min(g.out_h, oh0 + (r1 - r)), n_rows = oh1 - oh0;
      const int64_t u0 = oh0 * g.stride_h, u1 = (oh1 - 1) * g.stride_h + extent_h;
      band.resize((u1 - u0) * row);
      pad_rows(p, x + b * g.h * g.w * g.c_in, u0, u1, band.data());
      gpad.resize(n_rows * g.out_w * ldw, T(0));  // lanes past c_out stay zero
      const T* gsrc = gy + (b * g.out_h + oh0) * g.out_w * g.c_out;
      for (int64_t q = 0; q < n_rows * g.out_w; ++q) copy_short(gsrc + q * g.c_out, g.c_out, gpad.data() + q * ldw);
      const int64_t step = g.stride_h * row, lda = g.stride_w * g.c_in;
      for (int64_t j = 0; j < ldw; j += L) {
        balanced_tiles(k, [&](int64_t q, int r) {
          with_tile(r, [&]<int R>() {
            tile_taps_t<T, R>(n_rows, g.out_w, off.data() + q, band.data(), step, lda, gpad.data() + j, ldw,
                              part + q * ldw + j, ldw);
          });
        });
      }
      r += n_rows;
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

template void conv2d_forward<float>(const Conv2dGeometry&, const float*, const float*, float*, const float*);
template void conv2d_forward<double>(const Conv2dGeometry&, const double*, const double*, double*, const double*);
template void conv2d_backward_input<float>(const Conv2dGeometry&, const float*, const float*, float*);
template void conv2d_backward_input<double>(const Conv2dGeometry&, const double*, const double*, double*);
template void conv2d_backward_weight<float>(const Conv2dGeometry&, const float*, const float*, float*);
template void conv2d_backward_weight<double>(const Conv2dGeometry&, const double*, const double*, double*);

}  // namespace autodiff::kernels
