#include "nn/layers/recurrent.hpp"

#include <algorithm>
#include <cmath>

#include "autodiff/checkpoint.hpp"

#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

namespace {
// Inference projects inside the loop above this many rows (time·batch): a larger projection
// (batch 128: 3,584 rows, 7 MB for an LSTM(128)) leaves the cache between its matmul and the
// steps that read it, and measured slower than a matmul per step.
constexpr int64_t kHoistRowsWithoutGrad = 256;
}  // namespace

// x [batch, time, features] made time-major once and cut into steps
// (each a contiguous view), projected first when `project` is given. Training always projects
// every step at once: one matmul forward and one for the weights' gradient instead of one each
// per step. The steps are flat slices of one tensor: a first-order sweep adds each step's
// gradient into its block of that tensor's gradient.
RnnOutput unroll(const Var& x, RnnState state, const RnnCell& cell, bool return_sequences, bool hoist_always) {
  const auto& [project, step] = cell;
  check<ShapeError>(x.rank() == 3 && x.size(1) > 0, "unroll: expected x [batch, time, features]; got {}", x.shape());
  const int64_t batch = x.size(0), time = x.size(1);
  Var rows = autodiff::reshape(autodiff::permute(x, {1, 0, 2}), Shape{time * batch, x.size(2)});
  const bool hoist =
      project && (hoist_always || autodiff::grad_enabled() || time * batch <= kHoistRowsWithoutGrad);
  if (hoist) rows = project(rows);
  const int64_t width = rows.size(-1);
  const std::vector<Var> steps = autodiff::split(autodiff::reshape(rows, Shape{time, batch, width}),
                                                 std::vector<int64_t>(static_cast<size_t>(time), 1), 0);
  std::vector<Var> outputs;
  if (return_sequences) outputs.reserve(static_cast<size_t>(time));
  // A loop, not recursion: each step's nodes follow the previous step's on the tape.
  for (int64_t t = 0; t < time; ++t) {
    const Var x_t = autodiff::reshape(steps[static_cast<size_t>(t)], Shape{batch, width});
    state = step(project && !hoist ? project(x_t) : x_t, state);
    if (return_sequences) outputs.push_back(state[0]);
  }
  Var output = return_sequences ? autodiff::stack(outputs, 1) : state[0];
  return {std::move(output), std::move(state)};
}

namespace detail {
Var with_bias(const Var& kernel, const Var& bias) {
  check<ShapeError>(kernel.rank() == 2 && bias.rank() == 1 && bias.size(0) == kernel.size(1),
                    "recurrent cell: bias must be [{}] for kernel {}; got {}", kernel.rank() == 2 ? kernel.size(1) : 0,
                    kernel.shape(), bias.shape());
  return autodiff::concat({kernel, autodiff::reshape(bias, Shape{1, bias.size(0)})}, 0);
}

Var with_ones(const Var& x) { return autodiff::concat({x, Var(autodiff::ones(Shape{x.size(0), 1}, x.dtype()))}, 1); }
}  // namespace detail

Recurrent::Recurrent(Config config, std::optional<Shape> input_shape)
    : config_(std::move(config)), units_(config_.units), return_sequences_(config_.return_sequences) {
  check<ValueError>(units_ > 0, "{}: units must be positive; got {}", config_.type, units_);
  input_shape_ = std::move(input_shape);
}

Shape Recurrent::output_shape(const Shape& input_shape) const {
  check<ShapeError>(input_shape.rank() == 2, "{}: expected input [time, features]; got {}", type(), input_shape);
  check<ShapeError>(input_shape[1] > 0, "{}: input has no features; got {}", type(), input_shape);
  if (built())
    check<ShapeError>(input_shape[1] == kernel().size(0), "{}: built for {} features; got input {}", type(),
                      kernel().size(0), input_shape);
  if (return_sequences_) return Shape{input_shape[0], units_};
  return Shape{units_};
}

void Recurrent::build(const Shape& input_shape, autodiff::Generator& gen) {
  const int64_t features = input_shape[1], width = config_.gates * units_;
  register_parameter("kernel", initialize(config_.kernel_initializer, {features, width}, gen, dtype()));
  register_parameter("recurrent_kernel", initialize(config_.recurrent_initializer, {units_, width}, gen, dtype()));
  register_parameter("bias", initial_bias(gen));
}

Tensor Recurrent::initial_bias(autodiff::Generator& gen) const {
  return initialize(config_.bias_initializer, {config_.gates * units_}, gen, dtype());
}

void Recurrent::check_input(const Var& x) const {
  check<ShapeError>(x.rank() == 3, "{}: expected input [batch, time, features]; got {}", type(), x.shape());
  check<ShapeError>(x.size(1) > 0, "{}: the time axis is empty; got {}", type(), x.shape());
  (void)output_shape(Shape{x.size(1), x.size(2)});
}

Var Recurrent::forward(const Var& x) {
  check_input(x);
  RnnState zero_state;
  for (int64_t i = 0; i < config_.state_size; ++i)
    zero_state.emplace_back(autodiff::zeros(Shape{x.size(0), units_}, x.dtype()));
  return forward_with_state(x, std::move(zero_state)).output;
}

RnnOutput Recurrent::forward_with_state(const Var& x, RnnState initial_state) {
  check_input(x);
  ensure_built(x);
  check<ValueError>(int64_t(initial_state.size()) == config_.state_size, "{}: expected {} initial state tensors; got {}",
                    type(), config_.state_size, initial_state.size());
  const Shape expected{x.size(0), units_};
  for (const Var& s : initial_state)
    check<ShapeError>(s.defined() && s.shape() == expected, "{}: initial state must be {} for input {}; got {}", type(),
                      expected, x.shape(), s.defined() ? s.shape() : Shape{});
  if (remat() && autodiff::grad_enabled()) return checkpointed_unroll(x, std::move(initial_state));
  return unroll(x, std::move(initial_state), cell(), return_sequences_);
}

// Each segment is f(state, its steps' inputs [steps·batch, features], the parameters) → the state and the
// segment's outputs stacked along axis 0, one Var as checkpoint returns; the cell is rebuilt inside f from the
// substituted parameters, so that every Var the steps read is one of f's inputs.
RnnOutput Recurrent::checkpointed_unroll(const Var& x, RnnState state) {
  const int64_t batch = x.size(0), time = x.size(1);
  const int64_t segment = std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(time)))));
  const Var rows = autodiff::reshape(autodiff::permute(x, {1, 0, 2}), Shape{time * batch, x.size(2)});
  const NamedParams params = named_parameters();
  const size_t n_state = state.size();
  std::vector<Var> outputs;
  for (int64_t t0 = 0; t0 < time; t0 += segment) {
    const int64_t steps = std::min(segment, time - t0);
    std::vector<Var> in(state.begin(), state.end());
    in.push_back(autodiff::slice(rows, 0, t0 * batch, (t0 + steps) * batch));
    for (const auto& [name, p] : params) in.push_back(p);
    const autodiff::CheckpointFn f = [this, params, n_state, steps](const std::vector<Var>& v) {
      NamedParams substitutes;
      for (size_t i = 0; i < params.size(); ++i) substitutes.emplace_back(params[i].first, v[n_state + 1 + i]);
      return with_parameters(substitutes, [&] {
        const Var x_seg = autodiff::reshape(v[n_state], Shape{steps, v[0].size(0), v[n_state].size(1)});
        const RnnState initial(v.begin(), v.begin() + long(n_state));
        RnnOutput out = unroll(autodiff::permute(x_seg, {1, 0, 2}), initial, cell(), return_sequences_, /*hoist=*/true);
        std::vector<Var> packed(out.state.begin(), out.state.end());
        if (return_sequences_)
          for (const Var& o : autodiff::split(autodiff::permute(out.output, {1, 0, 2}),
                                              std::vector<int64_t>(size_t(steps), 1), 0))
            packed.push_back(autodiff::reshape(o, Shape{o.size(1), o.size(2)}));
        return autodiff::concat(packed, 0);
      });
    };
    const size_t n_pieces = n_state + size_t(return_sequences_ ? steps : 0);
    const std::vector<Var> pieces =
        autodiff::split(autodiff::checkpoint(f, in), std::vector<int64_t>(n_pieces, batch), 0);
    state.assign(pieces.begin(), pieces.begin() + long(n_state));
    outputs.insert(outputs.end(), pieces.begin() + long(n_state), pieces.end());
  }
  Var output = return_sequences_ ? autodiff::stack(outputs, 1) : state[0];
  return {std::move(output), std::move(state)};
}

}  // namespace nn
