#include "nn/layers/gru.hpp"

#include "autodiff/ops/indexing.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::matmul;
using autodiff::sigmoid;
using autodiff::tanh;

namespace {
// Row `row` of GRU's [2, 3u] bias as a [3u] vector.
Var bias_row(const Var& bias, int64_t row) {
  autodiff::check<autodiff::ShapeError>(bias.rank() == 2 && bias.size(0) == 2, "GRU: bias must be [2, 3·units]; got {}",
                                        bias.shape());
  return autodiff::reshape(autodiff::slice(bias, 0, row, row + 1), Shape{bias.size(1)});
}
}  // namespace

GruCell::GruCell(const Var& kernel, const Var& recurrent_kernel, const Var& bias)
    : input_kernel_(detail::with_bias(kernel, bias_row(bias, 0))),
      recurrent_kernel_(detail::with_bias(recurrent_kernel, bias_row(bias, 1))) {}

// reset_after: r gates U_h·h + b_rh after the matmul, so x and h each take one matmul over the
// stacked kernels [·, 3u] (order z, r, h), split into gates. Each bias rides in its matmul as a
// last kernel row against a column of ones: [x, 1]·[W; b_x] and [h, 1]·[U; b_h] (see LstmCell).
RnnState GruCell::operator()(const Var& x, const RnnState& state) const { return step(project(x), state); }

Var GruCell::project(const Var& x) const { return matmul(detail::with_ones(x), input_kernel_); }

RnnState GruCell::step(const Var& xw, const RnnState& state) const {
  const Var& h = state[0];
  const auto [x_z, x_r, x_h] = detail::split_gates<3>(xw);
  const auto [h_z, h_r, h_h] = detail::split_gates<3>(matmul(detail::with_ones(h), recurrent_kernel_));
  const Var z = sigmoid(x_z + h_z);
  const Var r = sigmoid(x_r + h_r);
  const Var h_tilde = tanh(x_h + r * h_h);
  const Var h_next = z * h + (1.0 - z) * h_tilde;
  return {h_next};
}

GRU::GRU(int64_t units, GruOptions options)
    : LayerOf({.type = "GRU",
                 .units = units,
                 .gates = 3,
                 .state_size = 1,
                 .return_sequences = options.return_sequences,
                 .kernel_initializer = std::move(options.kernel_initializer),
                 .recurrent_initializer = std::move(options.recurrent_initializer),
                 .bias_initializer = std::move(options.bias_initializer)},
                std::move(options.input_shape)) {}

Tensor GRU::initial_bias(autodiff::Generator& gen) const {
  return initialize(config_.bias_initializer, {2, 3 * units_}, gen, dtype());
}

RnnCell GRU::cell() const { return to_rnn_cell(GruCell(kernel(), recurrent_kernel(), bias())); }

Var GRU::forward(const Var& x, const Var& h0) { return forward_with_state(x, {h0}).output; }

LayerConfig GRU::config() const {
  return recurrent_config(shared_options<GruOptions>(), [](const ConfigWriter&, GruOptions&) {});
}

std::shared_ptr<Layer> GRU::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  GruOptions o;
  detail::recurrent_fields(r, o);
  return std::make_shared<GRU>(r.required<int64_t>("units"), o);
}

}  // namespace nn
