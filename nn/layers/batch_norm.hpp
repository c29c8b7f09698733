#pragma once
// Keras BatchNormalization. Training normalizes by the batch's own mean and
// (biased) variance over every axis but `axis`, with the gradient flowing
// through those statistics, and moves the non-trainable moving_mean and
// moving_variance towards them; inference normalizes by the moving statistics.
#include <optional>

#include "nn/layers/layer.hpp"

namespace nn {

/// (x − mean) / √(variance + ε) · gamma + beta, the [C] vectors broadcast along `axis` of x; an undefined
/// gamma or beta is left out.
Var batch_normalize(const Var& x, const Var& mean, const Var& variance, const Var& gamma, const Var& beta,
                    int64_t axis, double epsilon);

struct BatchNormResult {
  Var y;
  /// The batch statistics [C] that normalized x (variance biased, as Keras keeps it).
  Var mean, variance;
};
/// Training-mode normalization of x by its statistics over every axis but `axis`.
BatchNormResult batch_norm(const Var& x, const Var& gamma, const Var& beta, int64_t axis, double epsilon);

struct BatchNormOptions {
  /// The features axis, counted on the batched input (−1: the last; 0, the batch, is not allowed).
  int64_t axis = -1;
  /// moving = momentum·moving + (1 − momentum)·batch statistic.
  double momentum = 0.99;
  double epsilon = 1e-3;
  /// Whether beta (an offset) is learned.
  bool center = true;
  /// Whether gamma (a scale) is learned.
  bool scale = true;
  std::optional<Shape> input_shape{};
};

/// Keras BatchNormalization: shape-preserving; parameters gamma, beta, moving_mean, moving_variance, each [C].
class BatchNormalization : public LayerOf<BatchNormalization> {
 public:
  explicit BatchNormalization(BatchNormOptions options = {});
  std::string type() const override { return "BatchNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  void build(const Shape& input_shape, autodiff::Generator& gen) override;
  /// Batch statistics (and a moving-statistics update) in training mode, the moving statistics in eval mode.
  Var forward(const Var& x) override;
  LayerConfig config() const override;
  static std::shared_ptr<Layer> from_config(const LayerConfig& config);
  /// [C]; IndexError before build or without scale.
  const Var& gamma() const { return parameter("gamma"); }
  /// [C]; IndexError before build or without center.
  const Var& beta() const { return parameter("beta"); }
  /// [C]; IndexError before build.
  const Var& moving_mean() const { return parameter("moving_mean"); }
  /// [C]; IndexError before build.
  const Var& moving_variance() const { return parameter("moving_variance"); }

 private:
  /// `axis` as an index into the batched input of rank `rank`.
  int64_t batched_axis(int64_t rank) const;
  void update_moving(const BatchNormResult& batch);

  BatchNormOptions options_;
};

}  // namespace nn
