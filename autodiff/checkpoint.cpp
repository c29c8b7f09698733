#include "autodiff/checkpoint.hpp"

#include <fmt/format.h>

#include <memory>
#include <unordered_set>

#include "autodiff/backward.hpp"
#include "autodiff/op.hpp"
#include "autodiff/random.hpp"
#include "autodiff/tape.hpp"

namespace autodiff {
namespace {

// Refuses a recomputation that read a Var needing a gradient which is not among f's inputs: the outer sweep
// could not hand that Var its gradient, which would silently be lost.
void check_inputs_cover_leaves(const Tape& tape, const std::vector<Var>& inputs) {
  std::unordered_set<const void*> known;
  for (const Var& v : inputs) known.insert(v.impl());
  for (int64_t i = 0; i < tape.size(); ++i) {
    const Node& node = tape.node(i);
    check<ValueError>(node.op || known.contains(node.output.impl()),
                      "checkpoint: f reads a Var of shape {} that requires grad but is not among its inputs; pass it "
                      "as an input (a layer's parameters: through functional_call), or its gradient is lost",
                      node.output.shape());
  }
}

struct Checkpoint {
  static constexpr std::string_view name = "checkpoint";
  CheckpointFn f;
  std::shared_ptr<detail::RandomDraws> draws = std::make_shared<detail::RandomDraws>();

  Tensor forward(std::span<const Tensor> values) {
    std::vector<Var> constants(values.begin(), values.end());
    const detail::RandomScope record(*draws, detail::RandomScope::Mode::record);
    const NoGrad keep_nothing;
    return f(constants).value();
  }

  Grads backward(const Ctx& c, const Var& g) const {
    draws->next = 0;
    const detail::RandomScope replay(*draws, detail::RandomScope::Mode::replay);
    if (c.create_graph) {  // recompute on the sweep's tape from the recorded inputs: the result stays differentiable
      const std::vector<Var> inputs(c.inputs.begin(), c.inputs.end());
      return grad(f(inputs), inputs, {.seed = g, .retain_graph = true, .create_graph = true});
    }
    // First order: recompute on a tape of its own, from fresh leaves holding the inputs' values; it and the
    // recomputed intermediates are gone when this returns.
    const TapeScope own_tape;
    std::vector<Var> leaves;
    for (const Var& in : c.inputs) leaves.emplace_back(in.value(), in.requires_grad());
    Var y;
    {
      const EnableGrad record;
      y = f(leaves);
    }
    check_inputs_cover_leaves(active_tape(), leaves);
    if (!y.requires_grad()) return Grads(c.inputs.size());
    std::vector<Var> wanted;
    for (const Var& v : leaves)
      if (v.requires_grad()) wanted.push_back(v);
    const std::vector<Var> found = grad(y, wanted, {.seed = Var(g.value())});
    Grads out(c.inputs.size());
    for (size_t i = 0, k = 0; i < leaves.size(); ++i)
      if (leaves[i].requires_grad()) out[i] = found[k++];
    return out;
  }
};

}  // namespace

Var checkpoint(const CheckpointFn& f, const std::vector<Var>& inputs) {
  check<ValueError>(static_cast<bool>(f), "checkpoint: f is empty");
  return apply_n(Checkpoint{f}, inputs);
}

}  // namespace autodiff
