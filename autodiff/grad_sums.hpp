#pragma once
// The gradient sums of one backward sweep: for every node on the tape, the sum of the gradients that have
// reached it so far. This is where a sum is accumulated (in place once the sweep owns it), written block by
// block for a split input (the pieces of a time-major sequence, stacked gates), placed inside such a block,
// and released; the sweep itself (backward.cpp) only moves gradients through the VJPs. docs/design.md,
// "Gradient sums".
#include <functional>
#include <unordered_map>
#include <vector>

#include "autodiff/op.hpp"

namespace autodiff {

class GradSums {
 public:
  /// wanted(i): node i's total gradient goes to the caller, so it is never placed inside another node's sum.
  /// leaf_out(leaf): where a leaf's gradient is to be written (GradOptions::leaf_grad_out), or null.
  GradSums(const Tape& tape, int64_t top, bool create_graph, std::function<bool(int64_t)> wanted,
           std::function<Tensor(const Var&)> leaf_out = {});

  /// The sweep's starting gradient, dL/d(top).
  void seed(int64_t top, Var g);
  /// Node i's total gradient, taken out of the sums; undefined when none reached it.
  Var take(int64_t i);
  /// In a first-order sweep, a node whose VJP is g placed in a block of its input (Route::block) is not run:
  /// g is written or added into that block of the input's sum here, and this returns true.
  bool absorb(const Node& node, int64_t i, const Var& g);
  /// The blocks of node's inputs' sums reserved for its VJP's results (Ctx::reserved), and the destinations of
  /// leaves no gradient has reached yet; empty when there are none.
  std::vector<Tensor> reserved_for(const Node& node);
  /// After node's VJP: a block handed over that no gradient came back for is unwritten again.
  void release_unused(const Node& node, const std::vector<Tensor>& reserved, const Grads& in_grads);
  /// Adds g, already reduced to the input's shape, into that input's sum.
  void add(const Var& input, Var g);

 private:
  // The blocks of one sum written so far along one axis (or, in the split pre-pass, its slices' blocks).
  struct Written {
    int64_t axis;
    std::vector<std::pair<int64_t, int64_t>> ranges;  // [start, stop) along axis
    // Whether b may join: along the same axis, overlapping none of the ranges.
    bool admits(const Block& b) const;
  };

  // shared: the sum may be another node's tensor too; owned: this sweep made it, so later gradients are added in
  // place; blocks: written only in the blocks listed in blocks_, the rest unset until settled.
  enum class Sum : char { shared, owned, blocks };

  void find_splits(int64_t top);
  void settle(size_t s);
  Tensor place(size_t s);
  bool claim(size_t s, const Var& in, const Block& b);
  bool write_block(size_t s, const Var& in, const Block& b, const Tensor& g);
  Tensor reserve(size_t n);
  Tensor leaf_destination(const Var& in);
  void release(size_t n);
  const Tensor& own(size_t s, const Var& in);
  size_t node_of(const Var& v) const { return static_cast<size_t>(v.impl()->node); }

  const Tape& tape_;
  const bool create_;
  std::function<bool(int64_t)> wanted_;
  std::function<Tensor(const Var&)> leaf_out_;
  std::vector<Var> grads_;
  std::vector<Sum> state_;
  std::unordered_map<size_t, Written> blocks_;
  // Nodes consumed only by step-1 slices with disjoint blocks along one axis: the pieces of a split.
  std::vector<char> split_input_;
  std::unordered_map<size_t, Tensor> reserved_;  // slice node → its block of the input's sum, counted as written
  std::vector<char> offered_;                    // leaf node → its destination was handed to a VJP
};

}  // namespace autodiff
