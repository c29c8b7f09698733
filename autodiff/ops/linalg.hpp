#pragma once
#include "autodiff/var.hpp"

namespace autodiff {

/// y = a·b: [m,k]×[k,n] → [m,n]; 1-d operands act as a row / column vector and their axis
/// is dropped; leading batch axes broadcast: [...,m,k]×[...,k,n] → [...,m,n].
/// VJP: (g·bᵀ, aᵀ·g), summed over broadcast batch axes
Var matmul(const Var& a, const Var& b);
/// y = a ⊗ b: [n]×[m] → [n,m].                composite: column × row
Var outer(const Var& a, const Var& b);

}  // namespace autodiff
