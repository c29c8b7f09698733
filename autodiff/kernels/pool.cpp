#include "autodiff/kernels/pool.hpp"

#include "autodiff/kernels/parallel.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace autodiff::kernels {
namespace {

// The elements [begin, end) of one axis inside the window of output position o (padding clipped off).
struct Span {
  int64_t begin, end;
  int64_t size() const { return end - begin; }
};
Span window(int64_t o, int64_t stride, int64_t pad, int64_t size, int64_t extent) {
  const int64_t first = o * stride - pad;
  return {std::max<int64_t>(first, 0), std::min(first + size, extent)};
}

// The output positions [begin, end) whose windows hold input position i.
Span windows_holding(int64_t i, int64_t stride, int64_t pad, int64_t size, int64_t out) {
  const int64_t last = (i + pad) / stride;  // i + pad >= 0 always
  const int64_t reach = i + pad - size + 1;
  const int64_t first = reach <= 0 ? 0 : (reach + stride - 1) / stride;
  return {first, std::min(last + 1, out)};
}

// Rows of work per task for about 32k element visits.
int64_t grain(int64_t per_row) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(per_row, 1)); }

void check_positive(int64_t v, const char* what) {
  if (v < 1) throw std::invalid_argument("pool2d_geometry: " + std::string(what) + " must be >= 1, got " + std::to_string(v));
}

int64_t output_size(int64_t in, int64_t size, int64_t stride, bool same, int64_t& pad_before) {
  if (same) {
    const int64_t out = (in + stride - 1) / stride;
    pad_before = std::max<int64_t>((out - 1) * stride + size - in, 0) / 2;
    return out;
  }
  pad_before = 0;
  if (size > in)
    throw std::invalid_argument("pool2d_geometry: window " + std::to_string(size) + " exceeds input size " +
                                std::to_string(in) + " with valid padding");
  return (in - size) / stride + 1;
}

// The common 2×2 pool with stride 2 and no padding (valid, or same on even sizes): windows tile x
// without overlap, so each input element has one window. NHWC keeps the channels of a pixel
// contiguous, so these loops run over channels, eight lanes at a time.
bool is_2x2_tiling(const Pool2dGeometry& g) {
  return g.ph == 2 && g.pw == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_top == 0 && g.pad_left == 0 &&
         g.out_h == g.h / 2 && g.out_w == g.w / 2;
}

constexpr int64_t kLanes = 8;
template <class T>
struct Lanes {
  typedef T V __attribute__((vector_size(kLanes * sizeof(T))));
};
typedef int64_t Index __attribute__((vector_size(kLanes * sizeof(int64_t))));

template <class T>
typename Lanes<T>::V load(const T* p) {
  typename Lanes<T>::V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V, class T>
void store(T* p, const V& v) { std::memcpy(p, &v, sizeof v); }

// Lane l holds l: a block's flat indices are its first index + lane_iota().
Index lane_iota() {
  Index iota;
  for (int64_t l = 0; l < kLanes; ++l) iota[l] = l;
  return iota;
}

// A lane mask of a comparison, converted between T's lanes and the 64-bit lanes of Index.
template <class M>
Index widen(M m) { return __builtin_convertvector(m, Index); }
template <class T>
auto narrow(Index m) { return __builtin_convertvector(m, typename Lanes<std::conditional_t<sizeof(T) == 4, int32_t, int64_t>>::V); }

// Calls f(c0) for channel blocks [c0, c0 + kLanes) covering [0, c): the last block overlaps the one
// before when c is not a multiple of kLanes, which is harmless since f writes a function of its
// inputs. c < kLanes calls scalar(c0) for each channel instead.
template <class F, class S>
void channel_blocks(int64_t c, const F& f, const S& scalar) {
  if (c < kLanes) {
    for (int64_t c0 = 0; c0 < c; ++c0) scalar(c0);
    return;
  }
  for (int64_t c0 = 0; c0 + kLanes <= c; c0 += kLanes) f(c0);
  if (c % kLanes != 0) f(c - kLanes);
}

// As the general loop: the four window elements in row-major order, strictly greater replaces.
template <class T>
void max_pool2x2_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax) {
  using V = typename Lanes<T>::V;
  const int64_t c = g.c, row = g.w * c;
  const Index iota = lane_iota();
  parallel_for(g.n * g.out_h, grain(g.out_w * 4 * c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t top = ((r / g.out_h) * g.h + 2 * (r % g.out_h)) * row;  // flat index of the window row
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t i00 = top + 2 * ow * c;
        T* yp = y + (r * g.out_w + ow) * c;
        int64_t* ap = argmax + (r * g.out_w + ow) * c;
        channel_blocks(
            c,
            [&](int64_t c0) {
              const int64_t i = i00 + c0;
              V m = load(x + i);
              Index at = i + iota;
              for (const int64_t d : {c, row, row + c}) {
                const V v = load(x + i + d);
                const auto greater = v > m;
                m = greater ? v : m;
                at = widen(greater) ? i + d + iota : at;
              }
              store(yp + c0, m);
              store(ap + c0, at);
            },
            [&](int64_t c0) {
              const int64_t i = i00 + c0;
              T m = x[i];
              int64_t at = i;
              for (const int64_t d : {c, row, row + c})
                if (x[i + d] > m) m = x[i + d], at = i + d;
              yp[c0] = m;
              ap[c0] = at;
            });
      }
    }
  });
}

// Each output row writes its two input rows whole (gy at the argmax, zeros around it), and the last
// one of an image also zeroes the rows no window reaches, so nothing is filled twice or raced on.
template <class T>
void max_pool2x2_backward(const Pool2dGeometry& g, const T* gy, const int64_t* argmax, T* gx) {
  using V = typename Lanes<T>::V;
  const int64_t c = g.c, row = g.w * c, covered = 2 * g.out_w * c;
  const Index iota = lane_iota();
  parallel_for(g.n * g.out_h, grain(g.out_w * 4 * c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.out_h, oh = r % g.out_h, top = (b * g.h + 2 * oh) * row;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t i00 = top + 2 * ow * c;
        const T* gp = gy + (r * g.out_w + ow) * c;
        const int64_t* ap = argmax + (r * g.out_w + ow) * c;
        channel_blocks(
            c,
            [&](int64_t c0) {
              const int64_t i = i00 + c0;
              const V v = load(gp + c0), zero = {};
              const Index at = load(ap + c0);
              for (const int64_t d : {int64_t{0}, c, row, row + c})
                store(gx + i + d, narrow<T>(at == i + d + iota) ? v : zero);
            },
            [&](int64_t c0) {
              const int64_t i = i00 + c0;
              for (const int64_t d : {int64_t{0}, c, row, row + c}) gx[i + d] = ap[c0] == i + d ? gp[c0] : T(0);
            });
      }
      if (covered < row) {
        std::fill(gx + top + covered, gx + top + row, T(0));
        std::fill(gx + top + row + covered, gx + top + 2 * row, T(0));
      }
      if (oh == g.out_h - 1) std::fill(gx + top + 2 * row, gx + (b + 1) * g.h * row, T(0));
    }
  });
}

}  // namespace

Pool2dGeometry pool2d_geometry(int64_t n, int64_t h, int64_t w, int64_t c, int64_t ph, int64_t pw,
                               int64_t stride_h, int64_t stride_w, bool same_padding) {
  if (n < 0) throw std::invalid_argument("pool2d_geometry: batch must be >= 0, got " + std::to_string(n));
  check_positive(h, "height");
  check_positive(w, "width");
  check_positive(c, "channels");
  check_positive(ph, "window height");
  check_positive(pw, "window width");
  check_positive(stride_h, "stride height");
  check_positive(stride_w, "stride width");
  Pool2dGeometry g{n, h, w, c, ph, pw, stride_h, stride_w, 0, 0, 0, 0};
  g.out_h = output_size(h, ph, stride_h, same_padding, g.pad_top);
  g.out_w = output_size(w, pw, stride_w, same_padding, g.pad_left);
  return g;
}

template <class T>
void max_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax) {
  if (is_2x2_tiling(g)) return max_pool2x2_forward(g, x, y, argmax);
  parallel_for(g.n * g.out_h, grain(g.out_w * g.ph * g.pw * g.c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.out_h;
      const Span rows = window(r % g.out_h, g.stride_h, g.pad_top, g.ph, g.h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const Span cols = window(ow, g.stride_w, g.pad_left, g.pw, g.w);
        T* yp = y + (r * g.out_w + ow) * g.c;
        int64_t* ap = argmax + (r * g.out_w + ow) * g.c;
        if (rows.size() <= 0 || cols.size() <= 0) {  // only a hand-made geometry has a window of padding
          std::fill_n(yp, g.c, T(0));
          std::fill_n(ap, g.c, int64_t{-1});
          continue;
        }
        const int64_t start = ((b * g.h + rows.begin) * g.w + cols.begin) * g.c;
        for (int64_t c = 0; c < g.c; ++c) yp[c] = x[start + c], ap[c] = start + c;
        for (int64_t ih = rows.begin; ih < rows.end; ++ih)
          for (int64_t iw = cols.begin; iw < cols.end; ++iw) {
            const int64_t base = ((b * g.h + ih) * g.w + iw) * g.c;
            for (int64_t c = 0; c < g.c; ++c)
              if (x[base + c] > yp[c]) yp[c] = x[base + c], ap[c] = base + c;  // strict: first max wins
          }
      }
    }
  });
}

template <class T>
void max_pool2d_backward(const Pool2dGeometry& g, const T* gy, const int64_t* argmax, T* gx) {
  if (is_2x2_tiling(g)) return max_pool2x2_backward(g, gy, argmax, gx);
  // Tasks own whole images: an argmax always points into its own image, so no two threads add to one
  // element, and overlapping windows add in output order.
  const int64_t in_image = g.h * g.w * g.c, out_image = g.out_h * g.out_w * g.c;
  parallel_for(g.n, grain(in_image + out_image), [&](int64_t b0, int64_t b1) {
    std::fill(gx + b0 * in_image, gx + b1 * in_image, T(0));
    for (int64_t e = b0 * out_image; e < b1 * out_image; ++e)
      if (argmax[e] >= 0) gx[argmax[e]] += gy[e];
  });
}

template <class T>
void avg_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y) {
  parallel_for(g.n * g.out_h, grain(g.out_w * g.ph * g.pw * g.c), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.out_h;
      const Span rows = window(r % g.out_h, g.stride_h, g.pad_top, g.ph, g.h);
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const Span cols = window(ow, g.stride_w, g.pad_left, g.pw, g.w);
        T* yp = y + (r * g.out_w + ow) * g.c;
        std::fill_n(yp, g.c, T(0));
        for (int64_t ih = rows.begin; ih < rows.end; ++ih)
          for (int64_t iw = cols.begin; iw < cols.end; ++iw) {
            const T* xp = x + ((b * g.h + ih) * g.w + iw) * g.c;
            for (int64_t c = 0; c < g.c; ++c) yp[c] += xp[c];
          }
        const T count = T(std::max<int64_t>(rows.size() * cols.size(), 1));
        for (int64_t c = 0; c < g.c; ++c) yp[c] /= count;
      }
    }
  });
}

template <class T>
void avg_pool2d_backward(const Pool2dGeometry& g, const T* gy, T* gx) {
  // Gathered per input row rather than scattered per window, so overlapping windows never race.
  parallel_for(g.n * g.h, grain(g.w * g.c * g.ph * g.pw), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t b = r / g.h;
      const Span ohs = windows_holding(r % g.h, g.stride_h, g.pad_top, g.ph, g.out_h);
      for (int64_t iw = 0; iw < g.w; ++iw) {
        const Span ows = windows_holding(iw, g.stride_w, g.pad_left, g.pw, g.out_w);
        T* gp = gx + (r * g.w + iw) * g.c;
        std::fill_n(gp, g.c, T(0));
        for (int64_t oh = ohs.begin; oh < ohs.end; ++oh) {
          const int64_t rows = window(oh, g.stride_h, g.pad_top, g.ph, g.h).size();
          for (int64_t ow = ows.begin; ow < ows.end; ++ow) {
            const T count = T(rows * window(ow, g.stride_w, g.pad_left, g.pw, g.w).size());
            const T* yp = gy + ((b * g.out_h + oh) * g.out_w + ow) * g.c;
            for (int64_t c = 0; c < g.c; ++c) gp[c] += yp[c] / count;
          }
        }
      }
    }
  });
}

template void max_pool2d_forward<float>(const Pool2dGeometry&, const float*, float*, int64_t*);
template void max_pool2d_forward<double>(const Pool2dGeometry&, const double*, double*, int64_t*);
template void max_pool2d_backward<float>(const Pool2dGeometry&, const float*, const int64_t*, float*);
template void max_pool2d_backward<double>(const Pool2dGeometry&, const double*, const int64_t*, double*);
template void avg_pool2d_forward<float>(const Pool2dGeometry&, const float*, float*);
template void avg_pool2d_forward<double>(const Pool2dGeometry&, const double*, double*);
template void avg_pool2d_backward<float>(const Pool2dGeometry&, const float*, float*);
template void avg_pool2d_backward<double>(const Pool2dGeometry&, const double*, double*);

}  // namespace autodiff::kernels
