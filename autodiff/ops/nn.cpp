#include "autodiff/ops/nn.hpp"

#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reduce.hpp"

namespace autodiff {
namespace {

// x − max x along axis: the largest exponent becomes e⁰, so nothing overflows. Computed on
// constants, so the forward records nothing.
Var shifted(const Tensor& x, int64_t axis) {
  const Var v(x);
  return v - max(v, {axis}, true);
}

struct Softmax {
  static constexpr std::string_view name = "softmax";
  int64_t axis;
  Tensor forward(const Tensor& x) {
    const Var e = exp(shifted(x, axis));
    return (e / sum(e, {axis}, true)).value();
  }
  Grads backward(const Ctx& c, const Var& g) const {
    const Var& y = c.output;
    return {y * (g - sum(g * y, {axis}, true))};
  }
};

struct LogSoftmax {
  static constexpr std::string_view name = "log_softmax";
  int64_t axis;
  Tensor forward(const Tensor& x) {
    const Var z = shifted(x, axis);
    return (z - log(sum(exp(z), {axis}, true))).value();
  }
  Grads backward(const Ctx& c, const Var& g) const { return {g - exp(c.output) * sum(g, {axis}, true)}; }
};

void check_labels(const std::vector<int64_t>& labels, int64_t classes, std::string_view op) {
  for (size_t i = 0; i < labels.size(); ++i)
    check<IndexError>(labels[i] >= 0 && labels[i] < classes, "{}: label {} at index {} is out of range for {} classes",
                      op, labels[i], i, classes);
}

}  // namespace

Var softmax(const Var& x, int64_t axis) {
  check<ShapeError>(x.rank() >= 1, "softmax: input must have rank >= 1; got {}", x.shape());
  return apply(Softmax{normalize_axis(axis, x.rank(), "softmax")}, x);
}

Var log_softmax(const Var& x, int64_t axis) {
  check<ShapeError>(x.rank() >= 1, "log_softmax: input must have rank >= 1; got {}", x.shape());
  return apply(LogSoftmax{normalize_axis(axis, x.rank(), "log_softmax")}, x);
}

Var cross_entropy(const Var& logits, const Var& target) {
  check<ShapeError>(logits.rank() >= 1, "cross_entropy: logits must have rank >= 1; got {}", logits.shape());
  check<ShapeError>(logits.shape() == target.shape(), "cross_entropy: target shape differs from logits; got {} and {}",
                    logits.shape(), target.shape());
  check_same_dtype("cross_entropy", logits.value(), target.value());
  return -mean(sum(target * log_softmax(logits, -1), {-1}));
}

Var cross_entropy(const Var& logits, const std::vector<int64_t>& labels) {
  check<ShapeError>(logits.rank() == 2, "cross_entropy: logits must be [batch, classes]; got {}", logits.shape());
  check<ShapeError>(static_cast<int64_t>(labels.size()) == logits.size(0),
                    "cross_entropy: {} labels for a batch of logits {}", labels.size(), logits.shape());
  check_labels(labels, logits.size(1), "cross_entropy");
  return cross_entropy(logits, Var(one_hot(labels, logits.size(1), logits.dtype())));
}

Tensor one_hot(const std::vector<int64_t>& labels, int64_t classes, DType dtype) {
  check<ValueError>(classes >= 1, "one_hot: classes must be >= 1; got {}", classes);
  check_labels(labels, classes, "one_hot");
  const int64_t n = static_cast<int64_t>(labels.size());
  Tensor out = zeros({n, classes}, dtype);
  dispatch(dtype, [&]<class T>(T) {
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i * classes + labels[static_cast<size_t>(i)]] = T(1);
  });
  return out;
}

}  // namespace autodiff
