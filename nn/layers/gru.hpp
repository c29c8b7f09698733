#pragma once
// GRU: the Keras layer (reset_after form) and its cell, one time step as its gate equations.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "nn/layers/recurrent.hpp"

namespace nn {

/// GRU step, Keras' reset_after form, gates stacked z, r, h: kernel [in, 3u], recurrent_kernel [u, 3u],
/// bias [2, 3u] (row 0 for the input, row 1 for the recurrent projection).
class GruCell {
 public:
  GruCell(const Var& kernel, const Var& recurrent_kernel, const Var& bias);
  /// {h} → {h'}: step(project(x), state).
  RnnState operator()(const Var& x, const RnnState& state) const;
  /// x [rows, in] → [x, 1]·[kernel; bias row 0], [rows, 3u].
  Var project(const Var& x) const;
  /// From one step's projection xw [batch, 3u]: {h} → {h'}.
  RnnState step(const Var& xw, const RnnState& state) const;

 private:
  Var input_kernel_, recurrent_kernel_;  // each with its bias row appended, see detail::with_bias
};

struct GruOptions {
  bool return_sequences = false;
  std::string kernel_initializer = "glorot_uniform";
  std::string recurrent_initializer = "orthogonal";
  std::string bias_initializer = "zeros";
  std::optional<Shape> input_shape{};
};

/// Keras GRU (reset_after = true, its default): [time, features] → [units] or [time, units].
class GRU : public LayerOf<GRU, Recurrent> {
 public:
  explicit GRU(int64_t units, GruOptions options = {});
  std::string type() const override { return "GRU"; }
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  LayerConfig config() const override;
  using Recurrent::forward;
  /// x from the initial state h0 [batch, units].
  Var forward(const Var& x, const Var& h0);

 protected:
  Tensor initial_bias(autodiff::Generator& gen) const override;
  RnnCell cell() const override;
};

}  // namespace nn
