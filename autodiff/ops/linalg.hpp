#pragma once
#include "autodiff/var.hpp"

namespace autodiff {

/// y = a·b: [m,k]×[k,n] → [m,n]; 1-d operands act as a row / column vector and their axis
/// is dropped; leading batch axes broadcast: [...,m,k]×[...,k,n] → [...,m,n].
/// VJP: (g·bᵀ, aᵀ·g), summed over broadcast batch axes
Var matmul(const Var& a, const Var& b);
/// y = c + a·b: a [m,k], b [k,n], c broadcast to [m,n] (a bias [n], or [m,n]). The product accumulates
/// onto c in place of a separate add: one pass over y fewer than matmul(a, b) + c.
/// VJP: (g summed to c's shape, g·bᵀ, aᵀ·g)
Var addmm(const Var& c, const Var& a, const Var& b);
/// y = a ⊗ b: [n]×[m] → [n,m].                composite: column × row
Var outer(const Var& a, const Var& b);

}  // namespace autodiff
