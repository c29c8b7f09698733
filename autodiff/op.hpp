#pragma once
// The op contract. An op is a struct with
//   static constexpr std::string_view name;
//   Tensor forward(const Tensor&...)          (or forward(std::span<const Tensor>))
//   Grads backward(const Ctx& ctx, const Var& g) const
// written next to each other. forward computes the value (and may keep state
// that backward needs); backward returns one gradient per input, written with
// differentiable ops on Vars so that create_graph gives gradients of gradients.
// An op may also declare `Route route() const`: where its VJP for input 0 lands.
// apply() runs forward and records the node. See docs/adding_an_op.md.
#include <span>
#include <string_view>
#include <vector>

#include "autodiff/tape.hpp"

namespace autodiff {

using Grads = std::vector<Var>;

/// [start, stop) by step along axis: where a slice's VJP lands in its input's gradient.
struct Block {
  int64_t axis, start, stop, step;
};

/// Where an op's VJP for input 0 lands, declared by the op (`Route route() const`) so that a first-order sweep
/// can keep gradients in place; backward stays the one VJP every caller may use. docs/adding_an_op.md,
/// "Where a gradient may be written".
struct Route {
  enum Kind : char {
    anywhere,  // backward's results are added to the inputs' sums (every op that declares nothing)
    block,     // the VJP is g placed at `at` in zeros of input 0's shape (a slice)
    through,   // the VJP is g itself, or g reshaped, when input 0 has as many elements as the output
  } kind = anywhere;
  Block at{};
};

/// What backward sees: the recorded inputs and output.
struct Ctx {
  std::span<const Var> inputs;
  const Var& output;
  /// The sweep records this backward (create_graph): the VJP must be written with differentiable ops. A VJP
  /// that has a faster kernel form may use it only when this is false.
  bool create_graph = false;
  /// Blocks of the inputs' gradient sums reserved for this VJP's results (see grad_out); empty or undefined.
  std::span<const Tensor> reserved = {};
  /// Whether input i needs a gradient; backward may return an undefined Var for the others.
  bool needs(size_t i) const { return inputs[i].requires_grad(); }
  /// Where a kernel-written VJP writes input i's gradient, shaped and typed as `like`: the block of that input's
  /// sum the sweep reserved for it (a piece of a split: its rows may be strided, each row is unit-stride), else
  /// a new contiguous tensor. Returning it as the gradient is then free.
  Tensor grad_out(size_t i, const Tensor& like) const;
};

class OpBase {
 public:
  virtual ~OpBase() = default;
  virtual std::string_view name() const = 0;
  virtual Grads backward(const Ctx& ctx, const Var& g) const = 0;
  virtual Route route() const = 0;
};

template <class Op>
class OpModel final : public OpBase {
 public:
  explicit OpModel(Op op) : op_(std::move(op)) {}
  std::string_view name() const override { return Op::name; }
  Grads backward(const Ctx& ctx, const Var& g) const override { return op_.backward(ctx, g); }
  Route route() const override {
    if constexpr (requires { op_.route(); })
      return op_.route();
    else
      return {};
  }

 private:
  Op op_;
};

namespace detail {
/// Wraps a forward result as the op's output Var and records it when any input requires grad.
Var finish(std::unique_ptr<OpBase> (*make)(void*), void* op, std::string_view name, std::vector<Var> inputs,
           Tensor value);
bool any_requires_grad(std::span<const Var> inputs);
/// While alive, forward results are not anomaly-checked: the sweep checks a VJP's
/// results as a whole and blames the op whose backward it is.
class InBackward {
 public:
  InBackward();
  ~InBackward();
  InBackward(const InBackward&) = delete;
  InBackward& operator=(const InBackward&) = delete;

 private:
  bool previous_;
};
}  // namespace detail

/// Runs op.forward on the inputs' values and records the node (fixed arity).
template <class Op, class... Vars>
  requires(std::is_same_v<Vars, Var> && ...)
Var apply(Op op, const Vars&... inputs) {
  Tensor value = op.forward(inputs.value()...);
  return detail::finish([](void* p) -> std::unique_ptr<OpBase> {
    return std::make_unique<OpModel<Op>>(std::move(*static_cast<Op*>(p)));
  }, &op, Op::name, std::vector<Var>{inputs...}, std::move(value));
}

/// Runs op.forward on a list of inputs (concat, stack) and records the node.
template <class Op>
Var apply_n(Op op, std::span<const Var> inputs) {
  std::vector<Tensor> values;
  values.reserve(inputs.size());
  for (const Var& v : inputs) values.push_back(v.value());
  Tensor value = op.forward(std::span<const Tensor>(values));
  return detail::finish([](void* p) -> std::unique_ptr<OpBase> {
    return std::make_unique<OpModel<Op>>(std::move(*static_cast<Op*>(p)));
  }, &op, Op::name, std::vector<Var>(inputs.begin(), inputs.end()), std::move(value));
}

}  // namespace autodiff
