#include "autodiff/kernels/lstm_cell.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/kernels/parallel.hpp"
#include "autodiff/kernels/vmath.hpp"

namespace autodiff::kernels {
namespace {

// One row of σ or tanh: the vectorized row kernel for f32, the scalar function for f64 (as the ops do).
template <class T>
void activate(VmathRow f32_row, T (*f64)(T), const T* x, T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>)
    f32_row(x, y, n);
  else
    for (int64_t j = 0; j < n; ++j) y[j] = f64(x[j]);
}

template <class T>
T tanh_of(T v) {
  return std::tanh(v);
}

// Runs body(r0, r1) over chunks of rows, split over the threads like the element-wise ops.
template <class F>
void each_rows(int64_t rows, int64_t cols, F body) {
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(cols, 1)), body);
}

// Where a gate's row goes: its kept tensor (training), or a row of scratch (inference).
template <class T>
T* row_or(Rows<T> kept, int64_t r, T* scratch) {
  return kept.p ? kept.row(r) : scratch;
}

}  // namespace

template <class T>
void lstm_state_forward(int64_t rows, int64_t cols, Rows<const T> z_i, Rows<const T> z_f, Rows<const T> z_c,
                        Rows<const T> c, Rows<T> c_next, Rows<T> i, Rows<T> f, Rows<T> c_tilde) {
  const VmathRow sigmoid = sigmoid_row(), tanh = tanh_row();
  each_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    const auto scratch = i.p ? nullptr : std::make_unique_for_overwrite<T[]>(static_cast<size_t>(3 * cols));
    for (int64_t r = r0; r < r1; ++r) {
      T* ir = row_or(i, r, scratch.get());
      T* fr = row_or(f, r, scratch.get() + cols);
      T* cr = row_or(c_tilde, r, scratch.get() + 2 * cols);
      activate(sigmoid, sigmoid_of<T>, z_i.row(r), ir, cols);
      activate(sigmoid, sigmoid_of<T>, z_f.row(r), fr, cols);
      activate(tanh, tanh_of<T>, z_c.row(r), cr, cols);
      const T* cp = c.row(r);
      T* out = c_next.row(r);
      for (int64_t j = 0; j < cols; ++j) out[j] = fr[j] * cp[j] + ir[j] * cr[j];
    }
  });
}

template <class T>
void lstm_state_backward(int64_t rows, int64_t cols, Rows<const T> g, Rows<const T> c, Rows<const T> i,
                         Rows<const T> f, Rows<const T> c_tilde, Rows<T> dz_i, Rows<T> dz_f, Rows<T> dz_c,
                         Rows<T> dc) {
  each_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T *gr = g.row(r), *cp = c.row(r), *ir = i.row(r), *fr = f.row(r), *cr = c_tilde.row(r);
      if (T* d = dz_i.p ? dz_i.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * cr[j] * ir[j] * (T(1) - ir[j]);
      if (T* d = dz_f.p ? dz_f.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * cp[j] * fr[j] * (T(1) - fr[j]);
      if (T* d = dz_c.p ? dz_c.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * ir[j] * (T(1) - cr[j] * cr[j]);
      if (T* d = dc.p ? dc.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * fr[j];
    }
  });
}

template <class T>
void lstm_output_forward(int64_t rows, int64_t cols, Rows<const T> z_o, Rows<const T> c, Rows<T> h, Rows<T> o,
                         Rows<T> tanh_c) {
  const VmathRow sigmoid = sigmoid_row(), tanh = tanh_row();
  each_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    const auto scratch = o.p ? nullptr : std::make_unique_for_overwrite<T[]>(static_cast<size_t>(2 * cols));
    for (int64_t r = r0; r < r1; ++r) {
      T* orow = row_or(o, r, scratch.get());
      T* trow = row_or(tanh_c, r, scratch.get() + cols);
      activate(sigmoid, sigmoid_of<T>, z_o.row(r), orow, cols);
      activate(tanh, tanh_of<T>, c.row(r), trow, cols);
      T* out = h.row(r);
      for (int64_t j = 0; j < cols; ++j) out[j] = orow[j] * trow[j];
    }
  });
}

template <class T>
void lstm_output_backward(int64_t rows, int64_t cols, Rows<const T> g, Rows<const T> o, Rows<const T> tanh_c,
                          Rows<T> dz_o, Rows<T> dc) {
  each_rows(rows, cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T *gr = g.row(r), *orow = o.row(r), *trow = tanh_c.row(r);
      if (T* d = dz_o.p ? dz_o.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * trow[j] * orow[j] * (T(1) - orow[j]);
      if (T* d = dc.p ? dc.row(r) : nullptr)
        for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] * orow[j] * (T(1) - trow[j] * trow[j]);
    }
  });
}

#define WENGERT_LSTM_CELL(T)                                                                                      \
  template void lstm_state_forward<T>(int64_t, int64_t, Rows<const T>, Rows<const T>, Rows<const T>, Rows<const T>, \
                                      Rows<T>, Rows<T>, Rows<T>, Rows<T>);                                        \
  template void lstm_state_backward<T>(int64_t, int64_t, Rows<const T>, Rows<const T>, Rows<const T>,             \
                                       Rows<const T>, Rows<const T>, Rows<T>, Rows<T>, Rows<T>, Rows<T>);         \
  template void lstm_output_forward<T>(int64_t, int64_t, Rows<const T>, Rows<const T>, Rows<T>, Rows<T>, Rows<T>); \
  template void lstm_output_backward<T>(int64_t, int64_t, Rows<const T>, Rows<const T>, Rows<const T>, Rows<T>,  \
                                        Rows<T>);
WENGERT_LSTM_CELL(float)
WENGERT_LSTM_CELL(double)
#undef WENGERT_LSTM_CELL

}  // namespace autodiff::kernels
