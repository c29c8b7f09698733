#include "nn/layers/lstm.hpp"

#include "autodiff/ops/lstm_cell.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::matmul;

LstmCell::LstmCell(const Var& kernel, Var recurrent_kernel, const Var& bias)
    : input_kernel_(detail::with_bias(kernel, bias)), recurrent_kernel_(std::move(recurrent_kernel)) {}

// The four gates' W·x + b and U·h are computed with one matmul each over Keras' stacked kernels
// [·, 4u] (order i, f, c, o) and then split: the same equations, two matmuls instead of eight. The
// bias rides in the input projection as a last kernel row against a column of ones, [x, 1]·[W; b],
// so no step adds a broadcast bias or reduces its gradient over the batch; unroll runs project once
// over all time steps, and each step accumulates h·U onto its slice of it with addmm.
RnnState LstmCell::operator()(const Var& x, const RnnState& state) const { return step(project(x), state); }

Var LstmCell::project(const Var& x) const { return matmul(detail::with_ones(x), input_kernel_); }

RnnState LstmCell::step(const Var& xw, const RnnState& state) const {
  const Var& h = state[0];
  const Var& c = state[1];
  const Var z = autodiff::addmm(xw, h, recurrent_kernel_);
  const auto [z_i, z_f, z_c, z_o] = detail::split_gates<4>(z);
  // The gate equations
  //   i = σ(z_i), f = σ(z_f), C̃ = tanh(z_c), o = σ(z_o), C = f·c + i·C̃, h = o·tanh(C)
  // as two fused primitives: one pass each way instead of nine forward and about a dozen backward
  // (docs/performance.md, round 7). tests/nn/recurrent_test.cpp checks them against the equations as ops.
  const Var c_next = autodiff::lstm_cell_state(z_i, z_f, z_c, c);
  const Var h_next = autodiff::lstm_cell_output(z_o, c_next);
  return {h_next, c_next};
}

LSTM::LSTM(int64_t units, LstmOptions options)
    : LayerOf({.type = "LSTM",
                 .units = units,
                 .gates = 4,
                 .state_size = 2,
                 .return_sequences = options.return_sequences,
                 .kernel_initializer = std::move(options.kernel_initializer),
                 .recurrent_initializer = std::move(options.recurrent_initializer),
                 .bias_initializer = std::move(options.bias_initializer)},
                std::move(options.input_shape)),
      unit_forget_bias_(options.unit_forget_bias) {}

Tensor LSTM::initial_bias(autodiff::Generator& gen) const {
  Tensor bias = Recurrent::initial_bias(gen);
  if (unit_forget_bias_) bias.slice(0, units_, 2 * units_).fill_(1.0);  // the f block of [i, f, c, o]
  return bias;
}

RnnCell LSTM::cell() const { return to_rnn_cell(LstmCell(kernel(), recurrent_kernel(), bias())); }

Var LSTM::forward(const Var& x, const Var& h0, const Var& c0) { return forward_with_state(x, {h0, c0}).output; }

LayerConfig LSTM::config() const {
  LstmOptions o = shared_options<LstmOptions>();
  o.unit_forget_bias = unit_forget_bias_;
  return recurrent_config(o, [](const ConfigWriter& w, LstmOptions& opt) { w("unit_forget_bias", opt.unit_forget_bias); });
}

std::shared_ptr<Layer> LSTM::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  LstmOptions o;
  detail::recurrent_fields(r, o);
  r("unit_forget_bias", o.unit_forget_bias);
  return std::make_shared<LSTM>(r.required<int64_t>("units"), o);
}

}  // namespace nn
