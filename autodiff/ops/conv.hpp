#pragma once
// Convolution and pooling over NHWC tensors, Keras' layout: x [batch, height, width, channels],
// conv weights [kh, kw, c_in, c_out]. padding "valid" uses none; "same" gives out = ceil(in / stride)
// with the zeros split as TensorFlow splits them. conv2d and the two ops of its VJP are bilinear
// primitives whose backwards are written with one another, so gradients of any order exist.
#include <array>
#include <string>

#include "autodiff/var.hpp"

namespace autodiff {

/// (height, width)
using Size2 = std::array<int64_t, 2>;

struct Conv2dOptions {
  Size2 strides{1, 1};
  Size2 dilation{1, 1};
  std::string padding = "valid";
};

struct Pool2dOptions {
  /// {0, 0} means the pool size, as in Keras.
  Size2 strides{0, 0};
  std::string padding = "valid";
};

/// y[b,i,j,o] = Σ_{p,q,c} x[b, i·sh + p·dh − pad, j·sw + q·dw − pad, c]·w[p,q,c,o] (zeros outside x):
/// [n,h,w,c_in] ⊛ [kh,kw,c_in,c_out] → [n,oh,ow,c_out].
/// VJP: (∂x = conv2d_backward_input(g, w), ∂w = conv2d_backward_weight(x, g)), two more primitives with
/// VJPs (conv2d(G, w), conv2d_backward_weight(G, g)) and (conv2d_backward_input(g, G), conv2d(x, G))
Var conv2d(const Var& x, const Var& w, const Conv2dOptions& options = {});
/// y = conv2d(x, w) + bias, bias [c_out], fused into one pass.   VJP: conv2d's, and ∂bias = Σ_{b,i,j} g
Var conv2d(const Var& x, const Var& w, const Var& bias, const Conv2dOptions& options = {});
/// y = max over each pool window: [n,h,w,c] → [n,oh,ow,c].   VJP: g scattered to each window's first
/// maximum (the saved argmax); that scatter's VJP is the gather by the same argmax, and back again
Var max_pool2d(const Var& x, Size2 pool = {2, 2}, const Pool2dOptions& options = {});
/// y = mean over each pool window, padding not counted: [n,h,w,c] → [n,oh,ow,c].
/// VJP: the adjoint (g / window size spread over each window), whose VJP is avg_pool2d
Var avg_pool2d(const Var& x, Size2 pool = {2, 2}, const Pool2dOptions& options = {});

}  // namespace autodiff
