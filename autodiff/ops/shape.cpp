#include "autodiff/ops/shape.hpp"

#include "autodiff/op.hpp"
#include "autodiff/ops/reduce.hpp"

namespace autodiff {
namespace {

struct Reshape {
  static constexpr std::string_view name = "reshape";
  Shape shape;
  Tensor forward(const Tensor& x) { return x.reshape(shape); }
  Grads backward(const Ctx& c, const Var& g) const { return {reshape(g, c.inputs[0].shape())}; }
};

struct BroadcastTo {
  static constexpr std::string_view name = "broadcast_to";
  Shape shape;
  Tensor forward(const Tensor& x) { return x.broadcast_to(shape); }
  // sum_to runs centrally on the returned gradient.
  Grads backward(const Ctx&, const Var& g) const { return {g}; }
};

struct Permute {
  static constexpr std::string_view name = "permute";
  std::vector<int64_t> axes;
  Tensor forward(const Tensor& x) { return x.permute(axes); }
  Grads backward(const Ctx&, const Var& g) const {
    std::vector<int64_t> inverse(axes.size());
    for (size_t i = 0; i < axes.size(); ++i) inverse[static_cast<size_t>(axes[i])] = static_cast<int64_t>(i);
    return {permute(g, inverse)};
  }
};

}  // namespace

Var reshape(const Var& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return apply(Reshape{shape}, x);
}

Var broadcast_to(const Var& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return apply(BroadcastTo{shape}, x);
}

Var permute(const Var& x, const std::vector<int64_t>& axes) {
  check<ShapeError>(static_cast<int64_t>(axes.size()) == x.rank(), "permute: {} axes for a tensor of shape {}",
                    axes.size(), x.shape());
  std::vector<int64_t> norm;
  for (int64_t a : axes) norm.push_back(normalize_axis(a, x.rank(), "permute"));
  return apply(Permute{norm}, x);
}

Var transpose(const Var& x, int64_t axis0, int64_t axis1) {
  if (x.rank() < 2) return x;
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < x.rank(); ++i) axes.push_back(i);
  std::swap(axes[static_cast<size_t>(normalize_axis(axis0, x.rank(), "transpose"))],
            axes[static_cast<size_t>(normalize_axis(axis1, x.rank(), "transpose"))]);
  return permute(x, axes);
}

Var flatten(const Var& x, int64_t start_axis) {
  check<ShapeError>(start_axis >= 0 && start_axis <= std::max<int64_t>(x.rank() - 1, 0),
                    "flatten: start_axis {} out of range for shape {}", start_axis, x.shape());
  Shape s;
  for (int64_t i = 0; i < start_axis; ++i) s.push_back(x.shape()[i]);
  int64_t rest = 1;
  for (int64_t i = start_axis; i < x.rank(); ++i) rest *= x.shape()[i];
  s.push_back(rest);
  return reshape(x, s);
}

Var squeeze(const Var& x, int64_t axis) { return reshape(x, x.value().squeeze(axis).shape()); }
Var unsqueeze(const Var& x, int64_t axis) { return reshape(x, x.value().unsqueeze(axis).shape()); }

}  // namespace autodiff
