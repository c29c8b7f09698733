#include "autodiff/backward.hpp"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include "autodiff/op.hpp"
#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/reduce.hpp"
#include "autodiff/ops/shape.hpp"
#include "autodiff/tape.hpp"

namespace autodiff {
namespace {

// The blocks of a node's gradient sum written so far (or, in the split pre-pass, its slices' blocks).
struct Written {
  int64_t axis;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // [start, stop) along axis
  // Whether b may join: along the same axis, overlapping none of the ranges.
  bool admits(const Block& b) const {
    if (b.axis != axis) return false;
    for (const auto& [start, stop] : ranges)
      if (b.start < stop && start < b.stop) return false;
    return true;
  }
};

bool same_view(const Tensor& a, const Tensor& b) {
  return a.storage() == b.storage() && a.offset() == b.offset() && a.shape() == b.shape() && a.strides() == b.strides();
}

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
    return options.seed;
  }
  check<TapeError>(y.numel() == 1,
                   "{}: the output is not a scalar (shape {}); pass GradOptions::seed for a vector-Jacobian product",
                   who, y.shape());
  return Var(ones(y.shape(), y.dtype()));
}

// One reverse loop from y's node. `deliver(node, g)` receives the total
// gradient of every node it asks for (leaves, or requested intermediates).
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
  const bool create = options.create_graph;
  NoGrad mode_guard;  // first order records nothing...
  std::optional<EnableGrad> record_guard;
  if (create) record_guard.emplace();  // ...create_graph records the sweep itself

  const int64_t top = y.impl()->node;
  std::vector<Var> grads(static_cast<size_t>(top + 1));
  // A first-order sweep adds further gradients into a node's sum in place once the sum is a tensor this
  // loop made (owned[s] 1): nothing else refers to it until the node is reached. Owned[s] 2: the sum is
  // written so far only in the disjoint blocks along one axis listed in `blocks` (step-1 slices' VJPs), the
  // rest unset until settled; so slices that tile their input (the split of a time-major sequence, stacked
  // gates) write its gradient once, instead of zero-filling it and adding to it.
  std::vector<char> owned(static_cast<size_t>(top + 1), 0);
  std::unordered_map<size_t, Written> blocks;
  auto settle = [&](size_t s) {  // zero-fills what no block wrote
    if (owned[s] != 2) return;
    auto& [axis, written] = blocks.at(s);
    std::ranges::sort(written);
    const Tensor& acc = grads[s].value();
    const Tensor zero = Tensor::scalar(0.0, acc.dtype());
    int64_t at = 0;
    for (const auto& [start, stop] : written) {
      if (at < start) detail::copy_into(acc.slice(axis, at, start), zero);
      at = stop;
    }
    if (at < acc.size(axis)) detail::copy_into(acc.slice(axis, at, acc.size(axis)), zero);
    blocks.erase(s);
    owned[s] = 1;
  };
  // Nodes consumed only by step-1 slices with disjoint blocks along one axis (the pieces of a split): their
  // sums are written block by block and nothing else reads or adds to a block before its slice is reached,
  // so a block may be handed to the VJP that produces the slice's gradient (Ctx::into) and not copied.
  std::vector<char> split_input(static_cast<size_t>(top + 1), create ? 0 : 1);
  if (!create) {
    std::unordered_map<size_t, Written> pieces;
    for (int64_t i = 0; i <= top; ++i) {
      const Node& n = tape.node(i);
      if (!n.op) continue;
      const std::optional<Block> b = n.op->adds_vjp_into_input() ? n.op->vjp_block() : std::nullopt;
      for (const Var& in : n.inputs) {
        if (!in.requires_grad()) continue;
        const auto s = static_cast<size_t>(in.impl()->node);
        if (!b) {
          split_input[s] = 0;
          continue;
        }
        Written& seen = pieces.try_emplace(s, Written{b->axis, {}}).first->second;
        if (!seen.admits(*b)) split_input[s] = 0;
        seen.ranges.emplace_back(b->start, b->stop);
      }
    }
  }
  std::unordered_map<size_t, Tensor> reserved;  // slice node → its block of the input's sum, counted as written
  // place(s): where node s's whole gradient sum can live inside a reserved block, or an undefined tensor. A piece
  // of a split input (a piece of a piece, in split's tree) lives in its own block of that input's sum, and so
  // does a sum that its op passes on unchanged, or reshaped, to such a piece (addmm's c, reshape): then it is
  // never copied there.
  std::function<Tensor(size_t)> place;
  // Claims block b of s's sum for a slice of s, creating the sum (where `place` puts it) if s has none; false if
  // the sum is not block-written, is written along another axis, or has part of b written already.
  auto claim = [&](size_t s, const Var& in, const Block& b) {
    if (!grads[s].defined()) {
      const Tensor sum = place(s);
      grads[s] = Var(sum.defined() ? sum : Tensor::empty(in.shape(), in.dtype()));
      owned[s] = 2;
      blocks[s] = Written{b.axis, {}};
    }
    if (owned[s] != 2 || !blocks.at(s).admits(b)) return false;
    blocks.at(s).ranges.emplace_back(b.start, b.stop);
    return true;
  };
  // Writes g as the block's gradient if the sum is new or has only disjoint blocks along the same axis.
  auto write_block = [&](size_t s, const Var& in, const Block& b, const Tensor& g) {
    if (!claim(s, in, b)) return false;
    detail::copy_into(grads[s].value().slice(b.axis, b.start, b.stop), g);
    return true;
  };
  // Slice node n's block of its input's sum, reserved for n's gradient (written, as far as settle is concerned),
  // where the input is split; an undefined tensor otherwise.
  auto reserve = [&](size_t n) -> Tensor {
    const Node& node = tape.node(static_cast<int64_t>(n));
    const std::optional<Block> b = node.op && node.op->adds_vjp_into_input() ? node.op->vjp_block() : std::nullopt;
    if (!b || reserved.contains(n) || grads[n].defined()) return {};
    const Var& in = node.inputs[0];
    const auto s = static_cast<size_t>(in.impl()->node);
    if (!split_input[s] || wanted(static_cast<int64_t>(s)) || !claim(s, in, *b)) return {};
    Tensor view = grads[s].value().slice(b->axis, b->start, b->stop);
    reserved.emplace(n, view);
    return view;
  };
  place = [&](size_t s) -> Tensor {
    const Node& producer = tape.node(static_cast<int64_t>(s));
    if (!producer.op || wanted(static_cast<int64_t>(s))) return {};
    if (producer.op->adds_vjp_into_input() && producer.op->vjp_block()) return reserve(s);
    const Var& in = producer.inputs[0];
    if (!producer.op->passes_gradient_to_input0() || !in.requires_grad() || in.numel() != producer.output.numel())
      return {};
    const Tensor t = place(static_cast<size_t>(in.impl()->node));
    return t.defined() && t.is_contiguous() ? t.reshape(producer.output.shape()) : Tensor();
  };
  auto release = [&](size_t n) {  // a reserved block that no gradient came for: unwritten again
    const auto it = reserved.find(n);
    if (it == reserved.end()) return;
    const Node& node = tape.node(static_cast<int64_t>(n));
    const auto s = static_cast<size_t>(node.inputs[0].impl()->node);
    auto& written = blocks.at(s).ranges;
    const Block b = *node.op->vjp_block();
    if (const auto w = std::ranges::find(written, std::pair{b.start, b.stop}); w != written.end()) written.erase(w);
    reserved.erase(it);
  };
  auto own = [&](size_t s, const Var& in) -> const Tensor& {
    settle(s);
    Var& slot = grads[s];
    if (!slot.defined())
      slot = Var(zeros(in.shape(), in.dtype()));
    else if (!owned[s])
      slot = Var(slot.value().clone());
    owned[s] = 1;
    return slot.value();
  };
  grads[static_cast<size_t>(top)] = seed_for(y, options, who);
  for (int64_t i = top; i >= 0; --i) {
    settle(static_cast<size_t>(i));
    Var g = std::move(grads[static_cast<size_t>(i)]);
    if (!g.defined()) {
      release(static_cast<size_t>(i));  // a block reserved for a gradient that never came
      continue;
    }
    const Node& node = tape.node(i);  // deque: stays valid while create_graph appends
    if (wanted(i)) deliver(i, g);
    if (!node.op) continue;
    if (!create && node.op->adds_vjp_into_input()) {
      const Var& in = node.inputs[0];
      if (!in.requires_grad()) continue;
      if (const auto r = reserved.find(static_cast<size_t>(i)); r != reserved.end()) {
        if (!same_view(g.value(), r->second)) detail::copy_into(r->second, g.value());  // else already there
        continue;
      }
      const auto s = static_cast<size_t>(in.impl()->node);
      const std::optional<Block> b = node.op->vjp_block();
      if (!b || !write_block(s, in, *b, g.value())) node.op->add_vjp_into(g.value(), own(s, in));
      continue;
    }
    std::vector<Tensor> into;  // blocks where the VJP may write an input's gradient (Ctx::into)
    if (!create)
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        const Var& in = node.inputs[k];
        if (!in.requires_grad()) continue;
        Tensor block = reserve(static_cast<size_t>(in.impl()->node));
        if (!block.defined()) continue;
        into.resize(node.inputs.size());
        into[k] = std::move(block);
      }
    Grads in_grads;
    {
      detail::InBackward blame_this_op;
      in_grads = node.op->backward(Ctx{node.inputs, node.output, into}, g);
    }
    for (size_t k = 0; k < into.size(); ++k)
      if (into[k].defined() && !(k < in_grads.size() && in_grads[k].defined()))
        release(static_cast<size_t>(node.inputs[k].impl()->node));
    check<ShapeError>(in_grads.size() == node.inputs.size(), "{}: backward returned {} gradients for {} inputs",
                      node.op->name(), in_grads.size(), node.inputs.size());
    for (size_t k = 0; k < in_grads.size(); ++k) {
      const Var& in = node.inputs[k];
      if (!in.requires_grad() || !in_grads[k].defined()) continue;
      Var gk = sum_to(in_grads[k], in.shape(), node.op->name());
      check_anomaly(node.op->name(), gk, node);
      const auto s = static_cast<size_t>(in.impl()->node);
      settle(s);
      Var& slot = grads[s];
      if (!slot.defined()) {
        slot = std::move(gk);
      } else if (owned[s]) {
        slot.value().add_(gk.value());
      } else {
        slot = slot + gk;
        owned[s] = !create;
      }
    }
  }
  if (!options.retain_graph.value_or(create)) tape.clear();
}

}  // namespace

void backward(const Var& y, const GradOptions& options) {
  Tape& tape = active_tape();
  sweep(
      y, options, "backward", [&](int64_t i) { return !tape.node(i).op; },
      [&](int64_t i, const Var& g) {
        const Var& leaf = tape.node(i).output;
        const Tensor gv = g.value();
        leaf.set_grad(leaf.grad().defined() ? (Var(leaf.grad()) + Var(gv)).value() : gv.contiguous());
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
