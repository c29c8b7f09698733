#pragma once
// 2-D convolution over NHWC tensors with Keras' HWIO weights. Every kernel
// overwrites its output and gives bit-identical results for any thread count.
#include <cstdint>

namespace autodiff::kernels {

/// Shapes of one convolution: x [n, h, w, c_in] ⊛ w [kh, kw, c_in, c_out] → y [n, out_h, out_w, c_out].
struct Conv2dGeometry {
  int64_t n, h, w, c_in;
  int64_t kh, kw, c_out;
  int64_t stride_h, stride_w, dil_h, dil_w;
  int64_t pad_top, pad_left;  // zeros before; the zeros after are implied by out_h, out_w
  int64_t out_h, out_w;
};

/// TensorFlow's sizes: same → out = ceil(in/stride), pad_top = pad_total/2; valid → no padding.
Conv2dGeometry conv2d_geometry(int64_t n, int64_t h, int64_t w, int64_t c_in, int64_t kh, int64_t kw,
                               int64_t c_out, int64_t stride_h, int64_t stride_w, int64_t dil_h, int64_t dil_w,
                               bool same_padding);

/// y[b,oh,ow,o] = bias[o] + Σ_{i,j,c} x[b, oh·sh + i·dh − pt, ow·sw + j·dw − pl, c] · w[i,j,c,o]   (zero
/// outside x; no bias when it is null)
template <class T>
void conv2d_forward(const Conv2dGeometry& g, const T* x, const T* w, T* y, const T* bias = nullptr);
/// gx = ∂L/∂x given gy = ∂L/∂y: [n, out_h, out_w, c_out] → [n, h, w, c_in]
template <class T>
void conv2d_backward_input(const Conv2dGeometry& g, const T* gy, const T* w, T* gx);
/// gw = ∂L/∂w given gy: sums over n, out_h, out_w → [kh, kw, c_in, c_out]
template <class T>
void conv2d_backward_weight(const Conv2dGeometry& g, const T* x, const T* gy, T* gw);

}  // namespace autodiff::kernels
