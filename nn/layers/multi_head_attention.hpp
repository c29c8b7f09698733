#pragma once
// Keras MultiHeadAttention, written with autodiff ops (docs/nn.md, "Attention"):
//   Q = query·W_q + b_q, K = key·W_k + b_k, V = value·W_v + b_v      (per head: [B, T, d] → [B, heads, T, key_dim])
//   A = softmax(Q·Kᵀ/√key_dim where the mask is 1, else −1e9)       over the key axis: [B, heads, Tq, Tk]
//   y = dropout(A)·V·W_o + b_o                                       [B, Tq, output_shape]
// All heads go through one batched matmul over [B, heads, T, ·] views; no per-head loop.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/random.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

struct MultiHeadAttentionOptions {
  /// Per-head size of the values; key_dim when absent.
  std::optional<int64_t> value_dim{};
  /// Dropout rate on the attention weights, in training only.
  double dropout = 0.0;
  bool use_bias = true;
  /// Last axis of the output; the query's last axis when absent.
  std::optional<int64_t> output_shape{};
  std::string kernel_initializer = "glorot_uniform";
  std::string bias_initializer = "zeros";
  /// Each query position t attends only to key positions ≤ t.
  bool use_causal_mask = false;
  /// forward_many returns [output, scores [B, heads, Tq, Tk]] instead of [output].
  bool return_attention_scores = false;
  /// Seeds the dropout generator; without one it is seeded from the model's generator at build.
  std::optional<uint64_t> seed{};
  /// Per-sample query shape [T, d] (self-attention in a Sequential).
  std::optional<Shape> input_shape{};
};

/// What attend() takes besides query and value (Keras' call arguments).
struct AttentionArgs {
  /// [B, Tk, d_k]; the value when undefined.
  Var key{};
  /// 1 = attend, 0 = masked, broadcast to [B, Tq, Tk] (a padding mask is [B, 1, Tk]); in the inputs' dtype.
  Var attention_mask{};
  /// The causal mask for this call too (it always applies when the layer's option is set).
  bool use_causal_mask = false;
};

namespace detail {
/// One of Keras' EinsumDense sublayers of attention ("query", "key", "value", "attention_output"): a kernel and
/// an optional bias, so the parameters are named "query.kernel", "query.bias", ... as Keras names them.
class AttentionDense : public Module {
 public:
  AttentionDense(const Tensor& kernel, const Tensor* bias);
  /// x [n, in] · kernel viewed as [in, out] (+ bias viewed as [out]), where in and out are the kernel's leading
  /// `in_axes` and remaining axes.
  Var project(const Var& x, int64_t in_axes) const;
  /// Unused (the layer calls project); throws.
  Var forward(const Var& x) override;
  const Var& kernel() const { return parameter("kernel"); }
};
}  // namespace detail

class MultiHeadAttention : public LayerOf<MultiHeadAttention> {
 public:
  MultiHeadAttention(int64_t num_heads, int64_t key_dim, MultiHeadAttentionOptions options = {});
  std::string type() const override { return "MultiHeadAttention"; }
  /// Self-attention: [T, d] → [T, output_shape].
  Shape output_shape(const Shape& input_shape) const override;
  /// [query, value, key?, attention_mask?] → [output [Tq, d_out]] (+ scores [heads, Tq, Tk]).
  std::vector<Shape> output_shapes(const std::vector<Shape>& input_shapes) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  void build_many(const std::vector<Shape>& input_shapes, autodiff::Generator& gen) override;
  /// Self-attention: query = value = key = x [B, T, d].
  Var forward(const Var& x) override;
  /// [query, value] or [query, value, key] or [query, value, key, attention_mask].
  std::vector<Var> forward_many(const std::vector<Var>& inputs) override;
  /// The attention output for custom code: call_many's checks and error names, this call's key and masks.
  Var attend(const Var& query, const Var& value, const AttentionArgs& args = {});
  /// attend() and the attention scores [B, heads, Tq, Tk] (softmax output, before dropout).
  std::pair<Var, Var> attend_with_scores(const Var& query, const Var& value, const AttentionArgs& args = {});

  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  autodiff::Generator* random_generator() override { return &gen_; }
  int64_t num_heads() const { return num_heads_; }
  int64_t key_dim() const { return key_dim_; }
  int64_t value_dim() const { return options_.value_dim.value_or(key_dim_); }

 private:
  // Q, K or V for every head: x [B, T, d] · kernel [d, heads, e] + bias [heads, e] → [B, T, heads, e].
  static Var project(const Var& x, const detail::AttentionDense& dense);
  // The 0/1 mask [B|1, 1, Tq, Tk] of the explicit mask and the causal one; undefined when neither applies.
  Var combined_mask(const Var& attention_mask, int64_t tq, int64_t tk, bool causal) const;
  // The inputs' per-sample shapes, after the checks of rank, batch size and output_shapes.
  std::vector<Shape> checked_shapes(const std::vector<Var>& inputs) const;
  std::vector<Var> attention(const std::vector<Var>& inputs, bool causal, bool with_scores);

  int64_t num_heads_, key_dim_;
  MultiHeadAttentionOptions options_;
  autodiff::Generator gen_;
  std::shared_ptr<detail::AttentionDense> query_, key_, value_, output_;
  // attend()'s per-call flags while it runs call_many.
  bool call_causal_ = false, call_scores_ = false;
};

}  // namespace nn
