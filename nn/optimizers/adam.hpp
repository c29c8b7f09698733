#pragma once
// Adam and AdamW (decoupled weight decay) with Keras' defaults and update formulas (Keras 3).
#include "nn/optimizers/optimizer.hpp"

namespace nn {

struct AdamOptions {
  double lr = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
  double weight_decay = 0.0;
};

/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g² (amsgrad: v̂ ← max(v̂, v)); p ← p − lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε).
class Adam : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  explicit Adam(double lr, double beta_1 = 0.9, double beta_2 = 0.999, double epsilon = 1e-7);
  std::string type() const override { return "Adam"; }
  const AdamOptions& options() const { return options_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;
  /// The Adam step proper, shared with AdamW; `weight_decay` is coupled (added to g).
  void adam_update(const Var& param, const Tensor& g, Slots& slots, double weight_decay);

 private:
  AdamOptions options_;
};

struct AdamWOptions {
  double lr = 0.001;
  double weight_decay = 0.004;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-7;
  bool amsgrad = false;
};

/// Decoupled weight decay, then Adam: p ← p − lr·weight_decay·p; then the Adam step.
class AdamW : public Adam {
 public:
  explicit AdamW(AdamWOptions options = {});
  explicit AdamW(double lr, double weight_decay = 0.004);
  std::string type() const override { return "AdamW"; }
  double weight_decay() const { return weight_decay_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;

 private:
  double weight_decay_;
};

}  // namespace nn
