#pragma once
// SimpleRNN: the Keras layer and its cell, h' = activation(x·W + h·U + b).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "nn/layers/recurrent.hpp"

namespace nn {

/// SimpleRNN step: h' = activation(x·kernel + h·recurrent_kernel + bias); kernel [in, u], recurrent_kernel [u, u].
class SimpleRnnCell {
 public:
  SimpleRnnCell(const Var& kernel, Var recurrent_kernel, const Var& bias, const std::string& activation = "tanh");
  /// {h} → {h'}: step(project(x), state).
  RnnState operator()(const Var& x, const RnnState& state) const;
  /// x [rows, in] → [x, 1]·[kernel; bias], [rows, u].
  Var project(const Var& x) const;
  /// From one step's projection xw [batch, u]: {h} → {h'}.
  RnnState step(const Var& xw, const RnnState& state) const;

 private:
  Var input_kernel_, recurrent_kernel_;  // input_kernel_ = [kernel; bias], see detail::with_bias
  std::function<Var(const Var&)> activation_;
};

struct SimpleRnnOptions {
  std::string activation = "tanh";
  bool return_sequences = false;
  std::string kernel_initializer = "glorot_uniform";
  std::string recurrent_initializer = "orthogonal";
  std::string bias_initializer = "zeros";
  std::optional<Shape> input_shape{};
};

/// Keras SimpleRNN: h' = activation(x·W + h·U + b); [time, features] → [units] or [time, units].
class SimpleRNN : public LayerOf<SimpleRNN, Recurrent> {
 public:
  explicit SimpleRNN(int64_t units, SimpleRnnOptions options = {});
  std::string type() const override { return "SimpleRNN"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  LayerConfig config() const override;
  using Recurrent::forward;
  /// x from the initial state h0 [batch, units].
  Var forward(const Var& x, const Var& h0);

 protected:
  RnnCell cell() const override;

 private:
  std::string activation_;
};

}  // namespace nn
