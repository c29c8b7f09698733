#pragma once
// What the recurrent layers (LSTM, GRU and SimpleRNN, each in its own header) share: Keras' semantics, parameter
// names and layouts. Each layer is a cell (one time step written as its
// equations, taking its weights as Vars) run over time by unroll(), a plain
// loop: the tape records every step, so any length works without recursion.
// The cells are public so their gradients can be checked with the weights as
// inputs; the layers call the same cells with their registered parameters.
#include <array>
#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

/// What a recurrent layer carries between steps, each [batch, units]: {h, c} for LSTM, {h} otherwise.
using RnnState = std::vector<Var>;
/// One time step: x_t [batch, features] and the state → the next state (element 0 is the output h).
using RnnStep = std::function<RnnState(const Var& x_t, const RnnState& state)>;

struct RnnOutput {
  /// The last h [batch, units], or every h [batch, time, units] with return_sequences.
  Var output;
  /// The state after the last step.
  RnnState state;
};

/// A time step in two parts. project maps inputs [rows, features] to the part of the step that
/// depends on x alone (the cells: [x, 1]·[W; b]); unroll runs it once over every time step, one
/// matmul instead of one per step. step goes on from one time step's projection.
struct RnnCell {
  /// Empty: each step takes x_t itself.
  std::function<Var(const Var& x)> project;
  RnnStep step;
};

/// Runs cell.step over the projections of x [batch, time, features]: all time steps projected at once
/// when recording gradients or when there are at most 256 rows (time·batch), else each step's in the loop.
/// `hoist` forces the projection of every step at once (a checkpointed segment's first run, which does not
/// record, must compute what its recording rerun does).
RnnOutput unroll(const Var& x, RnnState state, const RnnCell& cell, bool return_sequences, bool hoist = false);
/// Anything with project and step (the cells below) as an RnnCell holding a copy of it.
template <class Cell>
  requires requires(const Cell& c, const Var& v, const RnnState& s) {
    { c.project(v) } -> std::convertible_to<Var>;
    { c.step(v, s) } -> std::convertible_to<RnnState>;
  }
RnnCell to_rnn_cell(Cell cell) {
  auto c = std::make_shared<const Cell>(std::move(cell));
  return {[c](const Var& x) { return c->project(x); }, [c](const Var& xw, const RnnState& s) { return c->step(xw, s); }};
}
/// The cells unroll with their projection hoisted.
template <class Cell>
  requires requires(const Cell& c) { to_rnn_cell(c); }
RnnOutput unroll(const Var& x, RnnState state, const Cell& cell, bool return_sequences) {
  return unroll(x, std::move(state), to_rnn_cell(cell), return_sequences);
}

namespace detail {
template <class F, class O>
void recurrent_fields(const F& f, O& o);
}  // namespace detail

/// What the three layers share: shapes [time, features] → [units] or [time, units], kernels, the loop.
class Recurrent : public Layer {
 public:
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// x [batch, time, features] from a zero state.
  Var forward(const Var& x) override;
  /// x from a given initial state (each [batch, units]); returns the output and the final state.
  RnnOutput forward_with_state(const Var& x, RnnState initial_state);
  int64_t units() const { return units_; }
  bool return_sequences() const { return return_sequences_; }
  /// With remat, the time steps run in segments of about √time, each one autodiff::checkpoint: backward holds
  /// one segment's intermediates at a time instead of every step's.
  bool remats_itself() const override { return true; }
  /// [features, gates·units]; IndexError before build.
  const Var& kernel() const { return parameter("kernel"); }
  /// [units, gates·units]; IndexError before build.
  const Var& recurrent_kernel() const { return parameter("recurrent_kernel"); }
  /// [gates·units] ([2, 3·units] for GRU); IndexError before build.
  const Var& bias() const { return parameter("bias"); }

 protected:
  struct Config {
    std::string type;  // for errors raised before the object is complete
    int64_t units;
    int64_t gates;
    int64_t state_size;
    bool return_sequences;
    std::string kernel_initializer, recurrent_initializer, bias_initializer;
  };
  Recurrent(Config config, std::optional<Shape> input_shape);
  /// The initial bias value; the default draws bias_initializer for [gates·units].
  virtual Tensor initial_bias(autodiff::Generator& gen) const;
  /// The cell over the current parameters, read through parameter() on each forward (so functional_call's
  /// substitutes are used); the cell then holds them for every time step.
  virtual RnnCell cell() const = 0;
  /// forward_with_state's loop when remat() is on and ops record: segments of steps, each checkpointed.
  RnnOutput checkpointed_unroll(const Var& x, RnnState state);
  /// This layer's options struct with the fields every recurrent layer shares filled in.
  template <class O>
  O shared_options() const {
    O o;
    o.return_sequences = config_.return_sequences;
    o.kernel_initializer = config_.kernel_initializer;
    o.recurrent_initializer = config_.recurrent_initializer;
    o.bias_initializer = config_.bias_initializer;
    o.input_shape = input_shape_;
    return o;
  }
  /// The config of options `o`: units, the shared fields, then `extra` ones.
  template <class O, class Extra>
  LayerConfig recurrent_config(O o, Extra extra) const {
    LayerConfig c(type());
    ConfigWriter{c}("units", units_);
    detail::recurrent_fields(ConfigWriter{c}, o);
    extra(ConfigWriter{c}, o);
    return c;
  }

  Config config_;
  int64_t units_;
  bool return_sequences_;

 private:
  void check_input(const Var& x) const;
};

namespace detail {
/// The option fields LSTM, GRU and SimpleRNN share, listed once for config() and from_config.
template <class F, class O>
void recurrent_fields(const F& f, O& o) {
  f("return_sequences", o.return_sequences);
  f("kernel_initializer", o.kernel_initializer);
  f("recurrent_initializer", o.recurrent_initializer);
  f("bias_initializer", o.bias_initializer);
  f("input_shape", o.input_shape);
}
}  // namespace detail

namespace detail {
/// [kernel; bias]: kernel [in, n] with the bias [n] appended as row `in`, so that
/// matmul(with_ones(x), with_bias(kernel, bias)) = matmul(x, kernel) + bias.
Var with_bias(const Var& kernel, const Var& bias);
/// [x, 1]: x [batch, in] with a column of ones appended → [batch, in + 1].
Var with_ones(const Var& x);

/// z [batch, n·u] cut into n gate pre-activations [batch, u], in the kernel's stacking order.
template <size_t N>
std::array<Var, N> split_gates(const Var& z) {
  const std::vector<Var> parts = autodiff::split(z, std::vector<int64_t>(N, z.size(-1) / int64_t(N)), -1);
  std::array<Var, N> gates;
  for (size_t i = 0; i < N; ++i) gates[i] = parts[i];
  return gates;
}
}  // namespace detail

}  // namespace nn
