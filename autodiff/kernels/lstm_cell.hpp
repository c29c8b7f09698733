#pragma once
// The LSTM cell's element-wise equations in one pass each way (autodiff/ops/nn.hpp, lstm_cell_state and
// lstm_cell_output). Every operand is [rows, cols] with unit-stride rows `ld` elements apart, so the gate
// blocks of the stacked pre-activations are read in place. Each element depends on its own inputs alone,
// so the row split never changes a result.
#include <cstdint>

namespace autodiff::kernels {

template <class T>
struct Rows {
  T* p;
  int64_t ld;
  T* row(int64_t r) const { return p + r * ld; }
};

/// c' = f·c + i·C̃ with i = σ(z_i), f = σ(z_f), C̃ = tanh(z_c); i, f and C̃ are also written where their
/// pointers are not null (what backward needs).
template <class T>
void lstm_state_forward(int64_t rows, int64_t cols, Rows<const T> z_i, Rows<const T> z_f, Rows<const T> z_c,
                        Rows<const T> c, Rows<T> c_next, Rows<T> i, Rows<T> f, Rows<T> c_tilde);

/// From g = ∂L/∂c': ∂L/∂z_i = g·C̃·i(1−i), ∂L/∂z_f = g·c·f(1−f), ∂L/∂z_c = g·i(1−C̃²), ∂L/∂c = g·f;
/// an output whose pointer is null is skipped.
template <class T>
void lstm_state_backward(int64_t rows, int64_t cols, Rows<const T> g, Rows<const T> c, Rows<const T> i,
                         Rows<const T> f, Rows<const T> c_tilde, Rows<T> dz_i, Rows<T> dz_f, Rows<T> dz_c,
                         Rows<T> dc);

/// h = o·tanh(c) with o = σ(z_o); o and tanh(c) are also written where their pointers are not null.
template <class T>
void lstm_output_forward(int64_t rows, int64_t cols, Rows<const T> z_o, Rows<const T> c, Rows<T> h, Rows<T> o,
                         Rows<T> tanh_c);

/// From g = ∂L/∂h: ∂L/∂z_o = g·tanh(c)·o(1−o), ∂L/∂c = g·o(1−tanh²c); null outputs are skipped.
template <class T>
void lstm_output_backward(int64_t rows, int64_t cols, Rows<const T> g, Rows<const T> o, Rows<const T> tanh_c,
                          Rows<T> dz_o, Rows<T> dc);

}  // namespace autodiff::kernels
