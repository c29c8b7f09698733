#pragma once
// Gradient checkpointing (rematerialisation): f's intermediates are not kept for backward, which recomputes
// them from f's inputs when it reaches f. Peak memory then holds f's inputs and output instead of everything f
// computed, for one more forward of f. docs/autodiff.md, "Checkpointing".
#include <functional>
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

using CheckpointFn = std::function<Var(const std::vector<Var>& inputs)>;

/// f(inputs), recorded as one node whose backward runs f again and differentiates it. Every Var that f reads and
/// that needs a gradient must be one of `inputs` (pass parameters too, e.g. through Module::functional_call);
/// backward names the one that is not. f must compute the same thing when run again: the random tensors it draws
/// (dropout) are replayed, not drawn again, so the gradients are bit for bit those of the plain f(inputs), and the
/// generators end where the plain run leaves them. Other side effects (a counter, moving statistics) happen twice.
/// With create_graph the recomputation is recorded, so gradients of gradients work as for f itself.
Var checkpoint(const CheckpointFn& f, const std::vector<Var>& inputs);

}  // namespace autodiff
