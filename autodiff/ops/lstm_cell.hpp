#pragma once
// The LSTM cell's element-wise gate equations as two fused primitives (DESIGN.md §5: "a fused LSTM cell if
// profiling demands it"); nn::LstmCell spells out the same equations with them.
#include "autodiff/var.hpp"

namespace autodiff {

/// C' = f·c + i·C̃, with i = σ(z_i), f = σ(z_f), C̃ = tanh(z_c): an LSTM's next cell state from its input,
/// forget and candidate gate pre-activations and its cell state c (one shape; column blocks of the stacked
/// gates are read in place). One fused pass; the gates are kept for backward.
/// VJP: (g·C̃·i(1−i), g·c·f(1−f), g·i(1−C̃²), g·f)
Var lstm_cell_state(const Var& z_i, const Var& z_f, const Var& z_c, const Var& c);
/// h = o·tanh(c), with o = σ(z_o): an LSTM's output from its output-gate pre-activation and new cell state.
/// VJP: (g·tanh(c)·o(1−o), g·o(1−tanh²c))
Var lstm_cell_output(const Var& z_o, const Var& c);

}  // namespace autodiff
