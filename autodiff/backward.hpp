#pragma once
// Reverse-mode sweeps over the active tape.
#include <functional>
#include <optional>
#include <vector>

#include "autodiff/var.hpp"

namespace autodiff {

struct GradOptions {
  /// dL/dy to start from (a vector-Jacobian product); required when y is not a scalar.
  Var seed{};
  /// Keep the tape after the sweep (default: keep only when create_graph).
  std::optional<bool> retain_graph{};
  /// Record the sweep itself, so the returned gradients are differentiable.
  bool create_graph = false;
  /// backward() only: called once per leaf as soon as its .grad() is final (the sweep runs in reverse creation
  /// order, so nothing later adds to it), e.g. to start a gradient allreduce while the sweep goes on.
  std::function<void(const Var& leaf)> on_leaf_grad{};
  /// Differentiates scale·y: the seed times scale (a rank's share of a global batch, docs/distributed.md).
  double scale = 1.0;
  /// backward() only: where the gradient of a leaf without a grad() yet is to be written (a contiguous tensor of
  /// its shape and dtype; undefined: anywhere). A VJP with a kernel form writes it there (Ctx::grad_out), any
  /// other is copied there once; grad() is then that tensor. docs/design.md, "Leaf destinations".
  std::function<Tensor(const Var& leaf)> leaf_grad_out{};
};

/// Accumulates dy/dleaf into leaf.grad() for every leaf that requires grad; clears the tape unless retained.
void backward(const Var& y, const GradOptions& options = {});
/// dy/dx for each x (zeros where y does not depend on x); leaves' grad() is untouched.
std::vector<Var> grad(const Var& y, const std::vector<Var>& xs, const GradOptions& options = {});

}  // namespace autodiff
