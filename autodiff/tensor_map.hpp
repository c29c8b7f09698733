#pragma once
// Tensor-level element-wise maps with NumPy broadcasting, on top of the strided
// kernels. An op's forward is then one line: map(x, [](auto v) { return ...; }).
#include <string_view>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/tensor.hpp"

namespace autodiff {

/// Strides of t as seen from a broadcast output of shape out (0 on broadcast axes).
Shape broadcast_strides(const Tensor& t, const Shape& out, std::string_view op);

template <int N>
kernels::Layout<N> make_layout(const Shape& out, const Tensor* const (&inputs)[N - 1], std::string_view op) {
  kernels::Layout<N> l;
  l.rank = static_cast<int>(out.rank());
  const Shape cs = contiguous_strides(out);
  for (int i = 0; i < l.rank; ++i) {
    l.shape[i] = out[i];
    l.strides[0][i] = cs[i];
  }
  for (int k = 0; k + 1 < N; ++k) {
    const Shape s = broadcast_strides(*inputs[k], out, op);
    for (int i = 0; i < l.rank; ++i) l.strides[k + 1][i] = s[i];
  }
  return l;
}

/// y[i] = f(x[i]) in x's dtype.
template <class F>
Tensor map(const Tensor& x, F f) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>(T) {
    const Tensor* in[1] = {&x};
    kernels::map1(make_layout<2>(x.shape(), in, "map"), out.data<T>(), x.data<T>(),
                  [&](T v) -> T { return static_cast<T>(f(v)); });
  });
  return out;
}

/// y[i] = f(a[i], b[i]) with broadcasting; `op` names the caller in shape and dtype errors.
template <class F>
Tensor map(const Tensor& a, const Tensor& b, std::string_view op, F f) {
  check_same_dtype(op, a, b);
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch(a.dtype(), [&]<class T>(T) {
    const Tensor* in[2] = {&a, &b};
    kernels::map2(make_layout<3>(shape, in, op), out.data<T>(), a.data<T>(), b.data<T>(),
                  [&](T u, T v) -> T { return static_cast<T>(f(u, v)); });
  });
  return out;
}

/// y[i] = f(a[i], b[i], c[i]) with broadcasting.
template <class F>
Tensor map(const Tensor& a, const Tensor& b, const Tensor& c, std::string_view op, F f) {
  check_same_dtype(op, a, b);
  check_same_dtype(op, a, c);
  const Shape shape = broadcast_shapes(broadcast_shapes(a.shape(), b.shape(), op), c.shape(), op);
  Tensor out = Tensor::empty(shape, a.dtype());
  dispatch(a.dtype(), [&]<class T>(T) {
    const Tensor* in[3] = {&a, &b, &c};
    kernels::map3(make_layout<4>(shape, in, op), out.data<T>(), a.data<T>(), b.data<T>(), c.data<T>(),
                  [&](T u, T v, T w) -> T { return static_cast<T>(f(u, v, w)); });
  });
  return out;
}

}  // namespace autodiff
