#include "autodiff/ops/conv.hpp"

#include <memory>
#include <string>
#include <vector>

#include "autodiff/kernels/conv.hpp"
#include "autodiff/kernels/pool.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/reduce.hpp"

namespace autodiff {
namespace {

using kernels::Conv2dGeometry;

Shape input_shape(const Conv2dGeometry& s) { return {s.n, s.h, s.w, s.c_in}; }
Shape weight_shape(const Conv2dGeometry& s) { return {s.kh, s.kw, s.c_in, s.c_out}; }
Shape output_shape(const Conv2dGeometry& s) { return {s.n, s.out_h, s.out_w, s.c_out}; }

// The three bilinear maps of one geometry; each op's backward is written with the other two.
Var conv(const Var& x, const Var& w, const Conv2dGeometry& s);
Var conv_input_grad(const Var& gy, const Var& w, const Conv2dGeometry& s);
Var conv_weight_grad(const Var& x, const Var& gy, const Conv2dGeometry& s);

// y = conv(x, w), plus bias[c_out] added as each output is first accumulated when given.
Tensor conv_forward(const Conv2dGeometry& s, const Tensor& x, const Tensor& w, const Tensor* bias = nullptr) {
  Tensor y = Tensor::empty(output_shape(s), x.dtype());
  const Tensor b = bias ? bias->contiguous() : Tensor();
  dispatch(x.dtype(), [&]<class T>(T) {
    kernels::conv2d_forward<T>(s, x.contiguous().data<T>(), w.contiguous().data<T>(), y.data<T>(),
                               bias ? b.data<T>() : nullptr);
  });
  return y;
}

struct Conv2d {
  static constexpr std::string_view name = "conv2d";
  Conv2dGeometry s;
  Tensor forward(const Tensor& x, const Tensor& w) { return conv_forward(s, x, w); }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &x = c.inputs[0], &w = c.inputs[1];
    return {c.needs(0) ? conv_input_grad(g, w, s) : Var(), c.needs(1) ? conv_weight_grad(x, g, s) : Var()};
  }
};

// conv2d plus a bias per output channel, fused into the forward rather than a broadcast pass of its
// own over y.
struct Conv2dBias {
  static constexpr std::string_view name = "conv2d";
  Conv2dGeometry s;
  Tensor forward(const Tensor& x, const Tensor& w, const Tensor& b) { return conv_forward(s, x, w, &b); }
  Grads backward(const Ctx& c, const Var& g) const {
    Grads grads = Conv2d{s}.backward(c, g);  // ∂x and ∂w as without the bias
    grads.push_back(c.needs(2) ? sum(g, {0, 1, 2}) : Var());
    return grads;
  }
};

// ∂x of conv2d. ⟨g, B(gy, w)⟩ = ⟨conv(g, w), gy⟩ = ⟨conv_weight_grad(g, gy), w⟩ gives its VJP.
struct Conv2dBackwardInput {
  static constexpr std::string_view name = "conv2d_backward_input";
  Conv2dGeometry s;
  Tensor forward(const Tensor& gy, const Tensor& w) {
    Tensor gx = Tensor::empty(input_shape(s), gy.dtype());
    dispatch(gy.dtype(), [&]<class T>(T) {
      kernels::conv2d_backward_input<T>(s, gy.contiguous().data<T>(), w.contiguous().data<T>(), gx.data<T>());
    });
    return gx;
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &gy = c.inputs[0], &w = c.inputs[1];
    return {c.needs(0) ? conv(g, w, s) : Var(), c.needs(1) ? conv_weight_grad(g, gy, s) : Var()};
  }
};

// ∂w of conv2d. ⟨g, B(x, gy)⟩ = ⟨conv(x, g), gy⟩ = ⟨conv_input_grad(gy, g), x⟩ gives its VJP.
struct Conv2dBackwardWeight {
  static constexpr std::string_view name = "conv2d_backward_weight";
  Conv2dGeometry s;
  Tensor forward(const Tensor& x, const Tensor& gy) {
    Tensor gw = Tensor::empty(weight_shape(s), x.dtype());
    dispatch(x.dtype(), [&]<class T>(T) {
      kernels::conv2d_backward_weight<T>(s, x.contiguous().data<T>(), gy.contiguous().data<T>(), gw.data<T>());
    });
    return gw;
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var &x = c.inputs[0], &gy = c.inputs[1];
    return {c.needs(0) ? conv_input_grad(gy, g, s) : Var(), c.needs(1) ? conv(x, g, s) : Var()};
  }
};

Var conv(const Var& x, const Var& w, const Conv2dGeometry& s) { return apply(Conv2d{s}, x, w); }
Var conv_input_grad(const Var& gy, const Var& w, const Conv2dGeometry& s) {
  return apply(Conv2dBackwardInput{s}, gy, w);
}
Var conv_weight_grad(const Var& x, const Var& gy, const Conv2dGeometry& s) {
  return apply(Conv2dBackwardWeight{s}, x, gy);
}

// Pooling. Its VJPs are linear in g, so each backward is the adjoint op, and the adjoint of that is the op again.

using kernels::Pool2dGeometry;
// Flat index into x of each output's window maximum, saved by the forward. max_pool2d is linear
// wherever the argmax stays fixed, so every op of its backward chain, at any order, reuses it.
// Left uninitialized until the forward writes every element (a zero fill would cost a pass of its own).
using Argmax = std::shared_ptr<int64_t[]>;

Shape input_shape(const Pool2dGeometry& s) { return {s.n, s.h, s.w, s.c}; }
Shape output_shape(const Pool2dGeometry& s) { return {s.n, s.out_h, s.out_w, s.c}; }

struct MaxPool2d {
  static constexpr std::string_view name = "max_pool2d";
  Pool2dGeometry s;
  Argmax argmax;
  Tensor forward(const Tensor& x) {
    Tensor y = Tensor::empty(output_shape(s), x.dtype());
    argmax = std::make_shared_for_overwrite<int64_t[]>(static_cast<size_t>(y.numel()));
    dispatch(x.dtype(), [&]<class T>(T) {
      kernels::max_pool2d_forward<T>(s, x.contiguous().data<T>(), y.data<T>(), argmax.get());
    });
    return y;
  }
  Grads backward(const Ctx& c, const Var& g) const;
};

// gx = gy scattered (added) to the argmax positions.
struct MaxPool2dScatter {
  static constexpr std::string_view name = "max_pool2d_backward";
  Pool2dGeometry s;
  Argmax argmax;
  Tensor forward(const Tensor& gy) {
    Tensor gx = Tensor::empty(input_shape(s), gy.dtype());
    dispatch(gy.dtype(), [&]<class T>(T) {
      kernels::max_pool2d_backward<T>(s, gy.contiguous().data<T>(), argmax.get(), gx.data<T>());
    });
    return gx;
  }
  Grads backward(const Ctx& c, const Var& g) const;
};

// y = gx read at the argmax positions: the scatter's adjoint.
struct MaxPool2dGather {
  static constexpr std::string_view name = "max_pool2d_gather";
  Pool2dGeometry s;
  Argmax argmax;
  Tensor forward(const Tensor& gx) {
    Tensor y = Tensor::empty(output_shape(s), gx.dtype());
    dispatch(gx.dtype(), [&]<class T>(T) {
      const Tensor src = gx.contiguous();
      const T* in = src.data<T>();
      T* out = y.data<T>();
      const int64_t* at = argmax.get();
      for (int64_t e = 0; e < y.numel(); ++e) out[e] = at[e] >= 0 ? in[at[e]] : T(0);
    });
    return y;
  }
  Grads backward(const Ctx&, const Var& g) const { return {apply(MaxPool2dScatter{s, argmax}, g)}; }
};

Grads MaxPool2d::backward(const Ctx&, const Var& g) const { return {apply(MaxPool2dScatter{s, argmax}, g)}; }
Grads MaxPool2dScatter::backward(const Ctx&, const Var& g) const { return {apply(MaxPool2dGather{s, argmax}, g)}; }

struct AvgPool2d {
  static constexpr std::string_view name = "avg_pool2d";
  Pool2dGeometry s;
  Tensor forward(const Tensor& x) {
    Tensor y = Tensor::empty(output_shape(s), x.dtype());
    dispatch(x.dtype(), [&]<class T>(T) { kernels::avg_pool2d_forward<T>(s, x.contiguous().data<T>(), y.data<T>()); });
    return y;
  }
  Grads backward(const Ctx& c, const Var& g) const;
};

// The adjoint of avg_pool2d: each output's gradient shared evenly over its window.
struct AvgPool2dBackward {
  static constexpr std::string_view name = "avg_pool2d_backward";
  Pool2dGeometry s;
  Tensor forward(const Tensor& gy) {
    Tensor gx = Tensor::empty(input_shape(s), gy.dtype());
    dispatch(gy.dtype(), [&]<class T>(T) {
      kernels::avg_pool2d_backward<T>(s, gy.contiguous().data<T>(), gx.data<T>());
    });
    return gx;
  }
  Grads backward(const Ctx&, const Var& g) const { return {apply(AvgPool2d{s}, g)}; }
};

Grads AvgPool2d::backward(const Ctx&, const Var& g) const { return {apply(AvgPool2dBackward{s}, g)}; }

std::string show(Size2 v) { return fmt::format("[{}, {}]", v[0], v[1]); }

bool same_padding(const std::string& padding, std::string_view op) {
  check<ValueError>(padding == "same" || padding == "valid", "{}: padding must be \"same\" or \"valid\"; got \"{}\"",
                    op, padding);
  return padding == "same";
}

Pool2dGeometry pool_geometry(const Var& x, Size2 pool, const Pool2dOptions& o, std::string_view op) {
  const Shape& xs = x.shape();
  check<ShapeError>(xs.rank() == 4, "{}: input must be [batch, height, width, channels]; got {}", op, xs);
  check<ShapeError>(xs[1] > 0 && xs[2] > 0 && xs[3] > 0, "{}: spatial and channel extents must be >= 1; got {}", op,
                    xs);
  check<ValueError>(pool[0] > 0 && pool[1] > 0, "{}: pool must be >= 1; got {}", op, show(pool));
  const Size2 strides = o.strides == Size2{0, 0} ? pool : o.strides;
  check<ValueError>(strides[0] > 0 && strides[1] > 0, "{}: strides must be >= 1; got {}", op, show(strides));
  const bool same = same_padding(o.padding, op);
  check<ShapeError>(same || (pool[0] <= xs[1] && pool[1] <= xs[2]),
                    "{}: pool {} exceeds the input with valid padding; got {}", op, show(pool), xs);
  return kernels::pool2d_geometry(xs[0], xs[1], xs[2], xs[3], pool[0], pool[1], strides[0], strides[1], same);
}

Conv2dGeometry conv_geometry(const Var& x, const Var& w, const Conv2dOptions& o) {
  const Shape &xs = x.shape(), &ws = w.shape();
  check<ShapeError>(xs.rank() == 4, "conv2d: input must be [batch, height, width, channels]; got {}", xs);
  check<ShapeError>(ws.rank() == 4, "conv2d: weight must be [kh, kw, c_in, c_out]; got {}", ws);
  check_same_dtype("conv2d", x.value(), w.value());
  check<ShapeError>(xs[3] == ws[2], "conv2d: input channels differ; got input {} and weight {}", xs, ws);
  check<ShapeError>(xs[1] > 0 && xs[2] > 0 && xs[3] > 0 && ws[0] > 0 && ws[1] > 0 && ws[3] > 0,
                    "conv2d: spatial, kernel and channel extents must be >= 1; got input {} and weight {}", xs, ws);
  check<ValueError>(o.strides[0] > 0 && o.strides[1] > 0, "conv2d: strides must be >= 1; got {}", show(o.strides));
  check<ValueError>(o.dilation[0] > 0 && o.dilation[1] > 0, "conv2d: dilation must be >= 1; got {}",
                    show(o.dilation));
  const bool same = same_padding(o.padding, "conv2d");
  const Size2 extent{(ws[0] - 1) * o.dilation[0] + 1, (ws[1] - 1) * o.dilation[1] + 1};
  check<ShapeError>(same || (extent[0] <= xs[1] && extent[1] <= xs[2]),
                    "conv2d: dilated kernel extent {} exceeds the input with valid padding; got input {} and weight {}",
                    show(extent), xs, ws);
  return kernels::conv2d_geometry(xs[0], xs[1], xs[2], xs[3], ws[0], ws[1], ws[3], o.strides[0], o.strides[1],
                                 o.dilation[0], o.dilation[1], same);
}

}  // namespace

Var conv2d(const Var& x, const Var& w, const Conv2dOptions& o) { return conv(x, w, conv_geometry(x, w, o)); }

Var conv2d(const Var& x, const Var& w, const Var& bias, const Conv2dOptions& o) {
  const Conv2dGeometry s = conv_geometry(x, w, o);
  check<ShapeError>(bias.rank() == 1 && bias.size(0) == s.c_out,
                    "conv2d: bias must be [c_out]; got bias {} for weight {}", bias.shape(), w.shape());
  check_same_dtype("conv2d", x.value(), bias.value());
  return apply(Conv2dBias{s}, x, w, bias);
}

Var max_pool2d(const Var& x, Size2 pool, const Pool2dOptions& options) {
  return apply(MaxPool2d{pool_geometry(x, pool, options, "max_pool2d"), nullptr}, x);
}

Var avg_pool2d(const Var& x, Size2 pool, const Pool2dOptions& options) {
  return apply(AvgPool2d{pool_geometry(x, pool, options, "avg_pool2d")}, x);
}

}  // namespace autodiff
