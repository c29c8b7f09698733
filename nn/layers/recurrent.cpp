#include "nn/layers/recurrent.hpp"

#include <algorithm>
#include <cmath>

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

// Each segment is one checkpoint over the state, the segment's slice of x and the parameters; it returns the
// state and the segment's outputs side by side along axis 1 ([batch, states (+ steps), units]), one Var as
// checkpoint returns.
RnnOutput Recurrent::checkpointed_unroll(const Var& x, RnnState state) {
  const int64_t time = x.size(1);
  const int64_t segment = std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(time)))));
  const size_t n_state = state.size();
  std::vector<Var> outputs;
  for (int64_t t0 = 0; t0 < time; t0 += segment) {
    const int64_t steps = std::min(segment, time - t0);
    std::vector<Var> in(state.begin(), state.end());
    in.push_back(autodiff::slice(x, 1, t0, t0 + steps));
    const Var packed = checkpoint_with_parameters(std::move(in), [this, n_state](const std::vector<Var>& v) {
      // hoist: the first run does not record, yet must compute what the recording rerun does.
      const RnnOutput out = unroll(v[n_state], RnnState(v.begin(), v.begin() + long(n_state)), cell(),
                                   return_sequences_, /*hoist=*/true);
      std::vector<Var> parts;
      for (const Var& s : out.state) parts.push_back(autodiff::unsqueeze(s, 1));
      if (return_sequences_) parts.push_back(out.output);
      return autodiff::concat(parts, 1);
    });
    std::vector<int64_t> sizes(n_state, 1);
    if (return_sequences_) sizes.push_back(steps);
    const std::vector<Var> pieces = autodiff::split(packed, sizes, 1);
    for (size_t i = 0; i < n_state; ++i) state[i] = autodiff::squeeze(pieces[i], 1);
    if (return_sequences_) outputs.push_back(pieces.back());
  }
  Var output = return_sequences_ ? autodiff::concat(outputs, 1) : state[0];
  return {std::move(output), std::move(state)};
}

}  // namespace nn
