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
};

/// Accumulates dy/dleaf into leaf.grad() for every leaf that requires grad; clears the tape unless retained.
void backward(const Var& y, const GradOptions& options = {});
/// dy/dx for each x (zeros where y does not depend on x); leaves' grad() is untouched.
std::vector<Var> grad(const Var& y, const std::vector<Var>& xs, const GradOptions& options = {});

/// Hessian-vector product H·v of a scalar function f at x.
Tensor hvp(const std::function<Var(const Var&)>& f, const Tensor& x, const Tensor& v);
/// Jacobian of f at x, shaped output.shape + x.shape.
Tensor jacobian(const std::function<Var(const Var&)>& f, const Tensor& x);
/// Hessian of a scalar f at x, shaped x.shape + x.shape.
Tensor hessian(const std::function<Var(const Var&)>& f, const Tensor& x);

}  // namespace autodiff
