#pragma once
// LSTM: the Keras layer and its cell, the gate equations f, i, C̃, C, o, h of one time step.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nn/layers/recurrent.hpp"

namespace nn {

/// LSTM step with Keras' weights, gates stacked i, f, c, o: kernel [in, 4u], recurrent_kernel [u, 4u], bias [4u].
class LstmCell {
 public:
  LstmCell(const Var& kernel, Var recurrent_kernel, const Var& bias);
  /// {h, c} → {h', c'}: step(project(x), state).
  RnnState operator()(const Var& x, const RnnState& state) const;
  /// x [rows, in] → [x, 1]·[kernel; bias], [rows, 4u].
  Var project(const Var& x) const;
  /// From one step's projection xw [batch, 4u]: {h, c} → {h', c'}.
  RnnState step(const Var& xw, const RnnState& state) const;

 private:
  Var input_kernel_, recurrent_kernel_;  // input_kernel_ = [kernel; bias], see detail::with_bias
};

struct LstmOptions {
  bool return_sequences = false;
  std::string kernel_initializer = "glorot_uniform";
  std::string recurrent_initializer = "orthogonal";
  std::string bias_initializer = "zeros";
  /// Starts the forget gate's bias at 1 (Keras' default) so early training keeps the cell state.
  bool unit_forget_bias = true;
  std::optional<Shape> input_shape{};
};

/// Keras LSTM: [time, features] → [units] (or [time, units] with return_sequences).
class LSTM : public LayerOf<LSTM, Recurrent> {
 public:
  explicit LSTM(int64_t units, LstmOptions options = {});
  std::string type() const override { return "LSTM"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  LayerConfig config() const override;
  using Recurrent::forward;
  /// x from the initial state (h0, c0), each [batch, units].
  Var forward(const Var& x, const Var& h0, const Var& c0);

 protected:
  Tensor initial_bias(autodiff::Generator& gen) const override;
  RnnCell cell() const override;

 private:
  bool unit_forget_bias_;
};

}  // namespace nn
