#pragma once
// The op contract. An op is a struct with
//   static constexpr std::string_view name;
//   Tensor forward(const Tensor&...)          (or forward(std::span<const Tensor>))
//   Grads backward(const Ctx& ctx, const Var& g) const
// written next to each other. forward computes the value (and may keep state
// that backward needs); backward returns one gradient per input, written with
// differentiable ops on Vars so that create_graph gives gradients of gradients.
// apply() runs forward and records the node. See docs/adding_an_op.md.
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "autodiff/tape.hpp"

namespace autodiff {

using Grads = std::vector<Var>;

/// What backward sees: the recorded inputs and output.
struct Ctx {
  std::span<const Var> inputs;
  const Var& output;
  /// Where a first-order sweep would copy input i's gradient (a block of a split input's gradient), when
  /// backward may write it there instead and return a Var of that block; empty or undefined elsewhere.
  std::span<const Tensor> into = {};
  /// Whether input i needs a gradient; backward may return an undefined Var for the others.
  bool needs(size_t i) const { return inputs[i].requires_grad(); }
  /// into[i], or an undefined tensor.
  Tensor block(size_t i) const { return i < into.size() ? into[i] : Tensor(); }
};

/// [start, stop) along axis: where a step-1 slice's VJP lands in its input's gradient.
struct Block {
  int64_t axis, start, stop;
};

class OpBase {
 public:
  virtual ~OpBase() = default;
  virtual std::string_view name() const = 0;
  virtual Grads backward(const Ctx& ctx, const Var& g) const = 0;
  /// Whether a first-order sweep calls add_vjp_into instead of backward (the op struct has add_vjp_into).
  virtual bool adds_vjp_into_input() const { return false; }
  /// Adds the VJP for input 0 into acc, that input's gradient sum so far (contiguous, owned by the sweep).
  /// A slice adds g into its block, instead of returning g padded with zeros to the whole input.
  virtual void add_vjp_into(const Tensor& /*g*/, const Tensor& /*acc*/) const {}
  /// Where add_vjp_into adds g, when that is one block along one axis: the sweep then writes g there if
  /// nothing else has, instead of zero-filling the input's whole gradient first (the op struct has vjp_block).
  virtual std::optional<Block> vjp_block() const { return std::nullopt; }
  /// Whether the VJP for input 0 is g itself, or g reshaped, whenever that input has as many elements as the
  /// output (addmm's c, reshape): the output's gradient sum can then live where input 0's goes (the op struct
  /// has passes_gradient_to_input0).
  virtual bool passes_gradient_to_input0() const { return false; }
};

template <class Op>
class OpModel final : public OpBase {
 public:
  explicit OpModel(Op op) : op_(std::move(op)) {}
  std::string_view name() const override { return Op::name; }
  Grads backward(const Ctx& ctx, const Var& g) const override { return op_.backward(ctx, g); }
  bool adds_vjp_into_input() const override { return requires(const Tensor& t) { op_.add_vjp_into(t, t); }; }
  void add_vjp_into(const Tensor& g, const Tensor& acc) const override {
    if constexpr (requires { op_.add_vjp_into(g, acc); }) op_.add_vjp_into(g, acc);
  }
  std::optional<Block> vjp_block() const override {
    if constexpr (requires { op_.vjp_block(); })
      return op_.vjp_block();
    else
      return std::nullopt;
  }
  bool passes_gradient_to_input0() const override {
    if constexpr (requires { Op::passes_gradient_to_input0; })
      return Op::passes_gradient_to_input0;
    else
      return false;
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
