#include "nn/layers/simple_rnn.hpp"

#include "nn/layers/activation.hpp"

namespace nn {

SimpleRnnCell::SimpleRnnCell(const Var& kernel, Var recurrent_kernel, const Var& bias, const std::string& activation)
    : input_kernel_(detail::with_bias(kernel, bias)),
      recurrent_kernel_(std::move(recurrent_kernel)),
      activation_(nn::activation(activation)) {}

// x·W + b as [x, 1]·[W; b] (see LstmCell).
RnnState SimpleRnnCell::operator()(const Var& x, const RnnState& state) const { return step(project(x), state); }

Var SimpleRnnCell::project(const Var& x) const { return autodiff::matmul(detail::with_ones(x), input_kernel_); }

RnnState SimpleRnnCell::step(const Var& xw, const RnnState& state) const {
  return {activation_(autodiff::addmm(xw, state[0], recurrent_kernel_))};
}

SimpleRNN::SimpleRNN(int64_t units, SimpleRnnOptions options)
    : LayerOf({.type = "SimpleRNN",
                 .units = units,
                 .gates = 1,
                 .state_size = 1,
                 .return_sequences = options.return_sequences,
                 .kernel_initializer = std::move(options.kernel_initializer),
                 .recurrent_initializer = std::move(options.recurrent_initializer),
                 .bias_initializer = std::move(options.bias_initializer)},
                std::move(options.input_shape)),
      activation_(std::move(options.activation)) {
  (void)nn::activation(activation_);  // an unknown name fails here, not at the first forward
}

RnnCell SimpleRNN::cell() const { return to_rnn_cell(SimpleRnnCell(kernel(), recurrent_kernel(), bias(), activation_)); }

Var SimpleRNN::forward(const Var& x, const Var& h0) { return forward_with_state(x, {h0}).output; }

LayerConfig SimpleRNN::config() const {
  SimpleRnnOptions o = shared_options<SimpleRnnOptions>();
  o.activation = activation_;
  return recurrent_config(o, [](const ConfigWriter& w, SimpleRnnOptions& opt) { w("activation", opt.activation); });
}

std::shared_ptr<Layer> SimpleRNN::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  SimpleRnnOptions o;
  detail::recurrent_fields(r, o);
  r("activation", o.activation);
  return std::make_shared<SimpleRNN>(r.required<int64_t>("units"), o);
}

}  // namespace nn
