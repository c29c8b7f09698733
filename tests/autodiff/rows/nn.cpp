#include "autodiff/ops/conv.hpp"
#include "autodiff/ops/indexing.hpp"
#include "autodiff/ops/lstm_cell.hpp"
#include "tests/autodiff/rows/row.hpp"

namespace rows {

using namespace autodiff;
using V = const std::vector<Var>&;

namespace {

std::vector<Row> softmax_rows() {
  const Tensor target = one_hot({2, 0, 1}, 4, DType::f64);
  return {
      {"softmax axis -1", "softmax", {{2, 3}}, [](V x) { return softmax(x[0]); }},
      {"softmax axis 0", "softmax", {{3, 2}}, [](V x) { return softmax(x[0], 0); }},
      {"softmax axis 1 of 3-d", "softmax", {{2, 3, 2}}, [](V x) { return softmax(x[0], 1); }},
      {"log_softmax axis -1", "log_softmax", {{2, 3}}, [](V x) { return log_softmax(x[0]); }},
      {"log_softmax axis 0", "log_softmax", {{3, 2}}, [](V x) { return log_softmax(x[0], 0); }},
      {"cross_entropy probabilities (both inputs)", "cross_entropy", {{3, 4}, {3, 4}},
       [](V x) { return cross_entropy(x[0], softmax(x[1])); }},
      {"cross_entropy one_hot target", "cross_entropy one_hot", {{3, 4}},
       [target](V x) { return cross_entropy(x[0], Var(target)); }},
      {"cross_entropy labels", "cross_entropy", {{3, 4}}, [](V x) { return cross_entropy(x[0], {2, 0, 1}); }},
  };
}

// The gates as column blocks of one stacked pre-activation, as an LSTM step reads them.
std::vector<Row> lstm_cell_rows() {
  const auto gate = [](const Var& z, int64_t k) { return slice(z, 1, 3 * k, 3 * k + 3); };
  return {
      {"lstm_cell_state", "lstm_cell_state", {{2, 3}, {2, 3}, {2, 3}, {2, 3}},
       [](V x) { return lstm_cell_state(x[0], x[1], x[2], x[3]); }},
      {"lstm_cell_state on gate blocks", "lstm_cell_state", {{2, 9}, {2, 3}},
       [gate](V x) { return lstm_cell_state(gate(x[0], 0), gate(x[0], 1), gate(x[0], 2), x[1]); }},
      {"lstm_cell_output", "lstm_cell_output", {{2, 3}, {2, 3}}, [](V x) { return lstm_cell_output(x[0], x[1]); }},
      {"lstm_cell_output of a state", "lstm_cell_output lstm_cell_state", {{2, 12}, {2, 3}},
       [gate](V x) {
         return lstm_cell_output(gate(x[0], 3), lstm_cell_state(gate(x[0], 0), gate(x[0], 1), gate(x[0], 2), x[1]));
       }},
  };
}

Var square(const Var& y) { return y * y; }

// Small spatial sizes so that most rows compare the full Jacobian (≤ 48 input elements).
std::vector<Row> conv_rows() {
  const auto conv = [](Conv2dOptions o) { return [o](V x) { return conv2d(x[0], x[1], o); }; };
  const Shape w{2, 2, 2, 3};
  return {
      {"conv2d same", "conv2d", {{1, 3, 3, 2}, w}, conv({.padding = "same"})},
      {"conv2d valid", "conv2d", {{1, 3, 3, 2}, w}, conv({.padding = "valid"})},
      {"conv2d stride 2 same", "conv2d", {{1, 3, 4, 2}, w}, conv({.strides = {2, 2}, .padding = "same"})},
      {"conv2d stride 2 valid 3×3 kernel", "conv2d", {{1, 5, 5, 2}, {3, 3, 2, 3}},
       conv({.strides = {2, 2}, .padding = "valid"})},
      {"conv2d dilation 2 same", "conv2d", {{1, 4, 4, 2}, w}, conv({.dilation = {2, 2}, .padding = "same"})},
      {"conv2d dilation 2 valid", "conv2d", {{1, 4, 4, 2}, w}, conv({.dilation = {2, 2}, .padding = "valid"})},
      {"conv2d batch 2, stride (1,2)", "conv2d", {{2, 4, 4, 2}, {3, 3, 2, 3}},
       conv({.strides = {1, 2}, .padding = "same"})},
      // Squared, so the VJP's incoming gradient depends on x and w: the second order then runs
      // through the backward of conv2d_backward_input/_weight with respect to that gradient too.
      {"conv2d squared same", "conv2d", {{1, 3, 3, 2}, w},
       [](V x) { return square(conv2d(x[0], x[1], {.padding = "same"})); }},
      {"conv2d squared stride 2 dilation 2", "conv2d", {{1, 5, 5, 2}, w},
       [](V x) { return square(conv2d(x[0], x[1], {.strides = {2, 2}, .dilation = {2, 2}, .padding = "same"})); }},
      // The fused bias: its gradient is the sum of g over batch and pixels; squared, so the second order
      // runs through that sum too.
      {"conv2d with bias same", "conv2d", {{2, 3, 3, 2}, w, {3}},
       [](V x) { return conv2d(x[0], x[1], x[2], {.padding = "same"}); }},
      {"conv2d with bias squared stride 2 valid", "conv2d", {{1, 5, 4, 2}, {3, 3, 2, 3}, {3}},
       [](V x) { return square(conv2d(x[0], x[1], x[2], {.strides = {2, 2}})); }},
  };
}

// Inputs are continuous random draws, so no window holds a tie.
std::vector<Row> pool_rows() {
  const Shape x{1, 4, 4, 2};
  return {
      {"max_pool2d 2×2 valid", "max_pool2d", {x}, [](V v) { return max_pool2d(v[0]); }},
      {"max_pool2d 2×2 stride 1 same", "max_pool2d", {{1, 3, 3, 2}},
       [](V v) { return max_pool2d(v[0], {2, 2}, {.strides = {1, 1}, .padding = "same"}); }},
      {"max_pool2d 3×3 stride 2 same", "max_pool2d", {{1, 5, 4, 2}},
       [](V v) { return max_pool2d(v[0], {3, 3}, {.strides = {2, 2}, .padding = "same"}); }},
      {"max_pool2d squared (scatter and gather)", "max_pool2d", {x},
       [](V v) { return square(max_pool2d(v[0], {2, 2}, {.strides = {1, 1}})); }},
      // 2×2 stride 2 without padding takes the channel-vectorized path: 9 channels are a full block of
      // eight and an overlapping one; odd sizes leave a row and a column outside every window.
      {"max_pool2d 2×2 odd sizes, 9 channels", "max_pool2d", {{2, 5, 3, 9}}, [](V v) { return max_pool2d(v[0]); }},
      {"max_pool2d 2×2 squared, 9 channels", "max_pool2d", {{1, 4, 5, 9}},
       [](V v) { return square(max_pool2d(v[0])); }},
      {"avg_pool2d 2×2 valid", "avg_pool2d", {x}, [](V v) { return avg_pool2d(v[0]); }},
      {"avg_pool2d 2×2 same", "avg_pool2d", {{1, 3, 3, 2}},
       [](V v) { return avg_pool2d(v[0], {2, 2}, {.padding = "same"}); }},
      {"avg_pool2d 3×3 stride 1 same", "avg_pool2d", {{1, 3, 4, 2}},
       [](V v) { return avg_pool2d(v[0], {3, 3}, {.strides = {1, 1}, .padding = "same"}); }},
      {"avg_pool2d squared (adjoint and back)", "avg_pool2d", {{1, 3, 3, 2}},
       [](V v) { return square(avg_pool2d(v[0], {2, 2}, {.strides = {1, 1}, .padding = "same"})); }},
  };
}

}  // namespace

std::vector<Row> nn() {
  std::vector<Row> out;
  for (auto family : {softmax_rows, conv_rows, pool_rows, lstm_cell_rows})
    for (Row& r : family()) out.push_back(std::move(r));
  return out;
}

}  // namespace rows
