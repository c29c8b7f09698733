#include "autodiff/grad_sums.hpp"

#include <algorithm>
#include <optional>

#include "autodiff/ops/elementwise.hpp"

namespace autodiff {
namespace {

bool same_view(const Tensor& a, const Tensor& b) {
  return a.storage() == b.storage() && a.offset() == b.offset() && a.shape() == b.shape() && a.strides() == b.strides();
}

// Where a node's VJP lands as one unit-step block of its input's gradient (a step-1 slice), if it does: such
// blocks can tile a sum.
std::optional<Block> block_of(const Node& node) {
  if (!node.op) return std::nullopt;
  const Route r = node.op->route();
  return r.kind == Route::block && r.at.step == 1 ? std::optional(r.at) : std::nullopt;
}

}  // namespace

bool GradSums::Written::admits(const Block& b) const {
  if (b.axis != axis) return false;
  for (const auto& [start, stop] : ranges)
    if (b.start < stop && start < b.stop) return false;
  return true;
}

GradSums::GradSums(const Tape& tape, int64_t top, bool create_graph, std::function<bool(int64_t)> wanted,
                   std::function<Tensor(const Var&)> leaf_out)
    : tape_(tape),
      create_(create_graph),
      wanted_(std::move(wanted)),
      leaf_out_(create_graph ? nullptr : std::move(leaf_out)),
      grads_(static_cast<size_t>(top + 1)),
      state_(static_cast<size_t>(top + 1), Sum::shared),
      split_input_(static_cast<size_t>(top + 1), create_graph ? 0 : 1),
      offered_(leaf_out_ ? static_cast<size_t>(top + 1) : 0, 0) {
  if (!create_) find_splits(top);
}

// A first-order sweep only: with create_graph every gradient is a recorded Var and nothing is written in place.
void GradSums::find_splits(int64_t top) {
  std::unordered_map<size_t, Written> pieces;
  for (int64_t i = 0; i <= top; ++i) {
    const Node& n = tape_.node(i);
    if (!n.op) continue;
    const std::optional<Block> b = block_of(n);
    for (const Var& in : n.inputs) {
      if (!in.requires_grad()) continue;
      const size_t s = node_of(in);
      if (!b) {
        split_input_[s] = 0;
        continue;
      }
      Written& seen = pieces.try_emplace(s, Written{b->axis, {}}).first->second;
      if (!seen.admits(*b)) split_input_[s] = 0;
      seen.ranges.emplace_back(b->start, b->stop);
    }
  }
}

void GradSums::seed(int64_t top, Var g) { grads_[static_cast<size_t>(top)] = std::move(g); }

Var GradSums::take(int64_t i) {
  const auto n = static_cast<size_t>(i);
  settle(n);
  Var g = std::move(grads_[n]);
  if (!g.defined()) release(n);  // a block reserved for a gradient that never came
  return g;
}

// Zero-fills what no block of a block-written sum wrote; the sum is then an ordinary owned one.
void GradSums::settle(size_t s) {
  if (state_[s] != Sum::blocks) return;
  auto& [axis, written] = blocks_.at(s);
  std::ranges::sort(written);
  const Tensor& acc = grads_[s].value();
  const Tensor zero = Tensor::scalar(0.0, acc.dtype());
  int64_t at = 0;
  for (const auto& [start, stop] : written) {
    if (at < start) acc.slice(axis, at, start).copy_(zero);
    at = stop;
  }
  if (at < acc.size(axis)) acc.slice(axis, at, acc.size(axis)).copy_(zero);
  blocks_.erase(s);
  state_[s] = Sum::owned;
}

// Where node s's whole sum can live inside a reserved block, or an undefined tensor. A piece of a split input
// (a piece of a piece, in split's tree) lives in its own block of that input's sum, and so does a sum that its
// op passes on unchanged, or reshaped, to such a piece (addmm's c, reshape): then it is never copied there.
Tensor GradSums::place(size_t s) {
  const Node& producer = tape_.node(static_cast<int64_t>(s));
  if (!producer.op || wanted_(static_cast<int64_t>(s))) return {};
  if (block_of(producer)) return reserve(s);
  const Var& in = producer.inputs[0];
  if (producer.op->route().kind != Route::through || !in.requires_grad() || in.numel() != producer.output.numel())
    return {};
  const Tensor t = place(node_of(in));
  return t.defined() && t.is_contiguous() ? t.reshape(producer.output.shape()) : Tensor();
}

// Claims block b of s's sum for a slice of s, creating the sum (where `place` puts it) if s has none; false if
// the sum is not block-written, is written along another axis, or has part of b written already.
bool GradSums::claim(size_t s, const Var& in, const Block& b) {
  if (!grads_[s].defined()) {
    const Tensor sum = place(s);
    grads_[s] = Var(sum.defined() ? sum : Tensor::empty(in.shape(), in.dtype()));
    state_[s] = Sum::blocks;
    blocks_[s] = Written{b.axis, {}};
  }
  if (state_[s] != Sum::blocks || !blocks_.at(s).admits(b)) return false;
  blocks_.at(s).ranges.emplace_back(b.start, b.stop);
  return true;
}

bool GradSums::write_block(size_t s, const Var& in, const Block& b, const Tensor& g) {
  if (!claim(s, in, b)) return false;
  grads_[s].value().slice(b.axis, b.start, b.stop).copy_(g);
  return true;
}

// Slice node n's block of its input's sum, reserved for n's gradient (written, as far as settle is concerned),
// where the input is split; an undefined tensor otherwise.
Tensor GradSums::reserve(size_t n) {
  const Node& node = tape_.node(static_cast<int64_t>(n));
  const std::optional<Block> b = block_of(node);
  if (!b || reserved_.contains(n) || grads_[n].defined()) return {};
  const Var& in = node.inputs[0];
  const size_t s = node_of(in);
  if (!split_input_[s] || wanted_(static_cast<int64_t>(s)) || !claim(s, in, *b)) return {};
  Tensor view = grads_[s].value().slice(b->axis, b->start, b->stop);
  reserved_.emplace(n, view);
  return view;
}

void GradSums::release(size_t n) {
  const auto it = reserved_.find(n);
  if (it == reserved_.end()) return;
  const Node& node = tape_.node(static_cast<int64_t>(n));
  auto& written = blocks_.at(node_of(node.inputs[0])).ranges;
  const Block b = node.op->route().at;
  if (const auto w = std::ranges::find(written, std::pair{b.start, b.stop}); w != written.end()) written.erase(w);
  reserved_.erase(it);
}

// s's sum as a tensor this sweep owns, zeros if nothing reached it yet: later gradients are added into it.
const Tensor& GradSums::own(size_t s, const Var& in) {
  settle(s);
  Var& slot = grads_[s];
  if (!slot.defined())
    slot = Var(zeros(in.shape(), in.dtype()));
  else if (state_[s] == Sum::shared)
    slot = Var(slot.value().clone());
  state_[s] = Sum::owned;
  return slot.value();
}

bool GradSums::absorb(const Node& node, int64_t i, const Var& g) {
  const Route route = node.op->route();
  if (create_ || route.kind != Route::block) return false;
  const Var& in = node.inputs[0];
  if (!in.requires_grad()) return true;
  if (const auto r = reserved_.find(static_cast<size_t>(i)); r != reserved_.end()) {
    if (!same_view(g.value(), r->second)) r->second.copy_(g.value());  // else already there
    return true;
  }
  const size_t s = node_of(in);
  const Block& b = route.at;
  if (b.step != 1 || !write_block(s, in, b, g.value()))
    own(s, in).slice(b.axis, b.start, b.stop, b.step).add_(g.value());
  return true;
}

std::vector<Tensor> GradSums::reserved_for(const Node& node) {
  std::vector<Tensor> reserved;
  if (create_) return reserved;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    const Var& in = node.inputs[k];
    if (!in.requires_grad()) continue;
    Tensor block = reserve(node_of(in));
    if (!block.defined()) block = leaf_destination(in);
    if (!block.defined()) continue;
    reserved.resize(node.inputs.size());
    reserved[k] = std::move(block);
  }
  return reserved;
}

// A leaf's destination (GradOptions::leaf_grad_out) for the first VJP to reach it, when the leaf has no grad()
// to add to: that VJP's result is then the leaf's sum so far, where backward() wants it. Offered once, so an op
// that takes the leaf twice (x·x) or a second consumer adds to a sum of its own instead.
Tensor GradSums::leaf_destination(const Var& in) {
  const size_t s = node_of(in);
  if (!leaf_out_ || tape_.node(static_cast<int64_t>(s)).op || offered_[s] || grads_[s].defined() ||
      in.grad().defined())
    return {};
  offered_[s] = 1;
  return leaf_out_(in);
}

void GradSums::release_unused(const Node& node, const std::vector<Tensor>& reserved, const Grads& in_grads) {
  for (size_t k = 0; k < reserved.size(); ++k)
    if (reserved[k].defined() && !(k < in_grads.size() && in_grads[k].defined())) release(node_of(node.inputs[k]));
}

void GradSums::add(const Var& input, Var g) {
  const size_t s = node_of(input);
  settle(s);
  Var& slot = grads_[s];
  if (!slot.defined()) {
    slot = std::move(g);
  } else if (state_[s] != Sum::shared) {
    slot.value().add_(g.value());
  } else {
    slot = slot + g;
    if (!create_) state_[s] = Sum::owned;
  }
}

}  // namespace autodiff
