#include "autodiff/backward.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "autodiff/grad_sums.hpp"
#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/tape.hpp"

namespace autodiff {
namespace {

void check_anomaly(std::string_view op, const Var& g, const Node& node) {
  if (!anomaly_enabled() || all_finite(g.value())) return;
  std::string shapes;
  for (const Var& v : node.inputs) shapes += (shapes.empty() ? "" : ", ") + to_string(v.shape());
  throw ValueError(fmt::format("{}: backward produced NaN or Inf; inputs {}", op, shapes));
}

Var seed_for(const Var& y, const GradOptions& options, std::string_view who) {
  if (options.seed.defined()) {
    check<ShapeError>(options.seed.shape() == y.shape(), "{}: seed shape {} does not match output shape {}", who,
                      options.seed.shape(), y.shape());
    check_same_dtype(who, options.seed.value(), y.value());
    return options.scale == 1.0 ? options.seed : options.seed * Var(Tensor::scalar(options.scale, y.dtype()));
  }
  check<TapeError>(y.numel() == 1,
                   "{}: the output is not a scalar (shape {}); pass GradOptions::seed for a vector-Jacobian product",
                   who, y.shape());
  return Var(full(y.shape(), options.scale, y.dtype()));
}

// One reverse loop from y's node: take the node's total gradient, run its VJP, reduce and check each input's
// gradient in one place (sum_to), and hand it to the sums. `deliver(node, g)` receives the total gradient of
// every node `wanted` asks for (leaves, or requested intermediates). How the sums are kept: grad_sums.hpp.
template <class Wanted, class Deliver>
void sweep(const Var& y, const GradOptions& options, std::string_view who, Wanted wanted, Deliver deliver) {
  check<TapeError>(y.defined(), "{}: the output Var is undefined", who);
  check<TapeError>(y.requires_grad(), "{}: the output (shape {}) does not depend on any Var that requires grad", who,
                   y.shape());
  Tape& tape = active_tape();
  if (y.is_leaf())
    tape.ensure_leaf(y);  // d leaf / d leaf: the sweep is just the seed
  else
    tape.check_current(y, who);
  NoGrad mode_guard;  // first order records nothing...
  std::optional<EnableGrad> record_guard;
  if (options.create_graph) record_guard.emplace();  // ...create_graph records the sweep itself

  const int64_t top = y.impl()->node;
  GradSums sums(tape, top, options.create_graph, wanted, options.leaf_grad_out);
  sums.seed(top, seed_for(y, options, who));
  for (int64_t i = top; i >= 0; --i) {
    const Var g = sums.take(i);
    if (!g.defined()) continue;
    const Node& node = tape.node(i);  // deque: stays valid while create_graph appends
    if (wanted(i)) deliver(i, g);
    if (!node.op || sums.absorb(node, i, g)) continue;
    const std::vector<Tensor> reserved = sums.reserved_for(node);
    Grads in_grads;
    {
      detail::InBackward blame_this_op;
      in_grads = node.op->backward(Ctx{node.inputs, node.output, options.create_graph, reserved}, g);
    }
    sums.release_unused(node, reserved, in_grads);
    check<ShapeError>(in_grads.size() == node.inputs.size(), "{}: backward returned {} gradients for {} inputs",
                      node.op->name(), in_grads.size(), node.inputs.size());
    for (size_t k = 0; k < in_grads.size(); ++k) {
      const Var& in = node.inputs[k];
      if (!in.requires_grad() || !in_grads[k].defined()) continue;
      Var gk = sum_to(in_grads[k], in.shape(), node.op->name());
      check_anomaly(node.op->name(), gk, node);
      sums.add(in, std::move(gk));
    }
  }
  if (!options.retain_graph.value_or(options.create_graph)) tape.clear();
}

// leaf's grad() after this sweep: the old one plus gv, or gv in the leaf's destination when it has one (where
// the VJP may have written it already).
Tensor leaf_grad(const Var& leaf, const Tensor& gv, const GradOptions& options) {
  if (leaf.grad().defined()) return (Var(leaf.grad()) + Var(gv)).value();
  const Tensor out = options.leaf_grad_out ? options.leaf_grad_out(leaf) : Tensor();
  if (!out.defined() || out.shape() != gv.shape() || out.dtype() != gv.dtype()) return gv.contiguous();
  const bool there = out.storage() == gv.storage() && out.offset() == gv.offset() && out.strides() == gv.strides();
  if (!there) out.copy_(gv);
  return out;
}

}  // namespace

void backward(const Var& y, const GradOptions& options) {
  Tape& tape = active_tape();
  sweep(
      y, options, "backward", [&](int64_t i) { return !tape.node(i).op; },
      [&](int64_t i, const Var& g) {
        const Var& leaf = tape.node(i).output;
        leaf.set_grad(leaf_grad(leaf, g.value(), options));
        if (options.on_leaf_grad) options.on_leaf_grad(leaf);
      });
}

std::vector<Var> grad(const Var& y, const std::vector<Var>& xs, const GradOptions& options) {
  Tape& tape = active_tape();
  // node → its positions in xs: an input asked for twice (or handed back unchanged by an op, as a full slice
  // or a same-shape reshape is) is one node, and each position gets its gradient.
  std::unordered_map<int64_t, std::vector<size_t>> index;
  std::vector<Var> out(xs.size());
  if (y.defined() && y.requires_grad() && y.is_leaf()) tape.ensure_leaf(y);  // so grad(x, {x}) finds x's node
  for (size_t k = 0; k < xs.size(); ++k) {
    check<TapeError>(xs[k].defined(), "grad: input {} is undefined", k);
    const VarImpl& x = *xs[k].impl();
    const bool on_tape = x.requires_grad && x.tape_id == tape.id() && x.epoch == tape.epoch() && x.node >= 0;
    if (on_tape) index[x.node].push_back(k);
  }
  sweep(
      y, options, "grad", [&](int64_t i) { return index.contains(i); },
      [&](int64_t i, const Var& g) {
        for (size_t k : index.at(i)) out[k] = g;
      });
  for (size_t k = 0; k < xs.size(); ++k)
    if (!out[k].defined()) out[k] = Var(zeros(xs[k].shape(), xs[k].dtype()));
  return out;
}

}  // namespace autodiff
