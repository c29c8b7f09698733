#pragma once
// Higher-order helpers built on grad(..., {.create_graph = true}): Hessian-vector products, Jacobians and
// Hessians of a function of one tensor.
#include <functional>

#include "autodiff/var.hpp"

namespace autodiff {

/// Hessian-vector product H·v of a scalar function f at x.
Tensor hvp(const std::function<Var(const Var&)>& f, const Tensor& x, const Tensor& v);
/// Jacobian of f at x, shaped output.shape + x.shape.
Tensor jacobian(const std::function<Var(const Var&)>& f, const Tensor& x);
/// Hessian of a scalar f at x, shaped x.shape + x.shape.
Tensor hessian(const std::function<Var(const Var&)>& f, const Tensor& x);

}  // namespace autodiff
