#pragma once
// 2-D max and average pooling over NHWC tensors. Every kernel overwrites its
// output and gives bit-identical results for any thread count.
#include <cstdint>

namespace autodiff::kernels {

/// Shapes of one pooling: windows [ph, pw] over x [n, h, w, c] → y [n, out_h, out_w, c].
struct Pool2dGeometry {
  int64_t n, h, w, c;
  int64_t ph, pw, stride_h, stride_w;
  int64_t pad_top, pad_left;  // padding never counts as an element of a window
  int64_t out_h, out_w;
};

/// TensorFlow's sizes: same → out = ceil(in/stride), pad_top = pad_total/2; valid → no padding.
Pool2dGeometry pool2d_geometry(int64_t n, int64_t h, int64_t w, int64_t c, int64_t ph, int64_t pw,
                               int64_t stride_h, int64_t stride_w, bool same_padding);

/// y = max over each window; argmax = flat index into x of the first maximum.
template <class T>
void max_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y, int64_t* argmax);
/// gx = Σ gy scattered to argmax (zero elsewhere).
template <class T>
void max_pool2d_backward(const Pool2dGeometry& g, const T* gy, const int64_t* argmax, T* gx);
/// y = mean over the elements of each window that lie inside x.
template <class T>
void avg_pool2d_forward(const Pool2dGeometry& g, const T* x, T* y);
/// gx[e] = Σ over windows holding e of gy / (that window's element count).
template <class T>
void avg_pool2d_backward(const Pool2dGeometry& g, const T* gy, T* gx);

}  // namespace autodiff::kernels
