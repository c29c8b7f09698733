#pragma once
// Element-wise ops with NumPy broadcasting. One line per op: the math and its
// VJP (g is the incoming gradient, y the output). Broadcast gradients are
// reduced to each input's shape centrally (sum_to), never inside a VJP.
#include "autodiff/var.hpp"

namespace autodiff {

/// y = a + b.                  VJP: (g, g)
Var operator+(const Var& a, const Var& b);
/// y = a − b.                  VJP: (g, −g)
Var operator-(const Var& a, const Var& b);
/// y = a·b.                    VJP: (g·b, g·a)
Var operator*(const Var& a, const Var& b);
/// y = a / b.                  VJP: (g / b, −g·a / b²)
Var operator/(const Var& a, const Var& b);
/// y = −x.                     VJP: −g
Var operator-(const Var& x);
/// y = aᵇ.                     VJP: (g·b·aᵇ⁻¹, g·aᵇ·ln a)
Var pow(const Var& a, const Var& b);
/// y = xᵖ (scalar p).          VJP: g·p·xᵖ⁻¹
Var pow(const Var& x, double p);
/// y = eˣ.                     VJP: g·y
Var exp(const Var& x);
/// y = ln x.                   VJP: g / x
Var log(const Var& x);
/// y = ln(1 + x).              VJP: g / (1 + x)
Var log1p(const Var& x);
/// y = √x.                     VJP: g / (2y)
Var sqrt(const Var& x);
/// y = |x|.                    VJP: g·sign(x)
Var abs(const Var& x);
/// y = sin x.                  VJP: g·cos x
Var sin(const Var& x);
/// y = cos x.                  VJP: −g·sin x
Var cos(const Var& x);
/// y = tanh x.                 VJP: g·(1 − y²)        (one fused op, tanh_backward)
Var tanh(const Var& x);
/// y = 1 / (1 + e⁻ˣ).          VJP: g·y·(1 − y)       (one fused op, sigmoid_backward)
Var sigmoid(const Var& x);
/// y = max(x, 0); NaN stays NaN.   VJP: g where y > 0, else 0   (one fused op, relu_backward)
Var relu(const Var& x);
/// y = ln(1 + eˣ), computed as max(x, 0) + ln(1 + e^−|x|) so it never overflows.   VJP: g·σ(x)
Var softplus(const Var& x);
/// y = mask ? a : b (mask holds 0/1, no gradient).   VJP: (—, g·mask, g·(1 − mask))
Var where(const Var& mask, const Var& a, const Var& b);

// Composites: written with the primitives above, no backward of their own.
/// y = x > 0 ? x : αx
Var leaky_relu(const Var& x, double alpha = 0.01);
/// y = x > 0 ? x : α(eˣ − 1)
Var elu(const Var& x, double alpha = 1.0);
/// y = min(max(x, lo), hi); the gradient passes where lo ≤ x ≤ hi, bounds included (torch.clamp)
Var clamp(const Var& x, double lo, double hi);
/// y = a < b ? a : b; NaN propagates; a tie splits the gradient evenly (torch.minimum)
Var minimum(const Var& a, const Var& b);
/// y = a > b ? a : b; NaN propagates; a tie splits the gradient evenly (torch.maximum)
Var maximum(const Var& a, const Var& b);
/// y = sign(x) ∈ {−1, 0, 1}, a constant (no gradient)
Var sign(const Var& x);

// Comparisons: masks of 0 and 1 in the inputs' dtype, constants (no gradient).
Var eq(const Var& a, const Var& b);
Var ne(const Var& a, const Var& b);
Var lt(const Var& a, const Var& b);
Var le(const Var& a, const Var& b);
Var gt(const Var& a, const Var& b);
Var ge(const Var& a, const Var& b);

// Scalars on either side take the Var's dtype.
Var operator+(const Var& a, double b);
Var operator+(double a, const Var& b);
Var operator-(const Var& a, double b);
Var operator-(double a, const Var& b);
Var operator*(const Var& a, double b);
Var operator*(double a, const Var& b);
Var operator/(const Var& a, double b);
Var operator/(double a, const Var& b);
/// A constant scalar Var of like's dtype.
Var scalar_like(double value, const Var& like);

}  // namespace autodiff
