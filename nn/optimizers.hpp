#pragma once
// The Keras optimizers, with Keras' defaults and update formulas (Keras 3).
// Each takes an option struct with designated initializers,
//   nn::SGD({.lr = 0.1, .momentum = 0.9})
// or a short positional form, nn::SGD(0.1). weight_decay, where offered outside
// AdamW, is coupled (PyTorch style): g ← g + weight_decay·p before the update.
#include "nn/optimizer.hpp"

namespace nn {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
};

/// v ← m·v − lr·g; p ← p + v (nesterov: p ← p + m·v − lr·g); without momentum p ← p − lr·g.
class SGD : public Optimizer {
 public:
  explicit SGD(SGDOptions options = {});
  explicit SGD(double lr, double momentum = 0.0, bool nesterov = false);
  std::string type() const override { return "SGD"; }
  const SGDOptions& options() const { return options_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;

 private:
  SGDOptions options_;
};

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

struct RMSpropOptions {
  double lr = 0.001;
  double rho = 0.9;
  double momentum = 0.0;
  double epsilon = 1e-7;
  bool centered = false;
  double weight_decay = 0.0;
};

/// s ← ρs + (1−ρ)g²; Δ = lr·g/√(s + ε) (centered: s − ḡ² in place of s); p ← p − Δ, or with momentum
/// u ← m·u + Δ; p ← p − u.
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  explicit RMSprop(double lr, double rho = 0.9, double momentum = 0.0);
  std::string type() const override { return "RMSprop"; }
  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;

 private:
  RMSpropOptions options_;
};

struct AdagradOptions {
  double lr = 0.001;
  double initial_accumulator_value = 0.1;
  double epsilon = 1e-7;
  double weight_decay = 0.0;
};

/// a ← a + g²; p ← p − lr·g/√(a + ε), a starting at initial_accumulator_value.
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  explicit Adagrad(double lr);
  std::string type() const override { return "Adagrad"; }
  const AdagradOptions& options() const { return options_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;

 private:
  AdagradOptions options_;
};

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.95;
  double epsilon = 1e-7;
  double weight_decay = 0.0;
};

/// a ← ρa + (1−ρ)g²; Δ = √(d + ε)/√(a + ε)·g; d ← ρd + (1−ρ)Δ²; p ← p − lr·Δ.
class Adadelta : public Optimizer {
 public:
  explicit Adadelta(AdadeltaOptions options = {});
  explicit Adadelta(double lr, double rho = 0.95);
  std::string type() const override { return "Adadelta"; }
  const AdadeltaOptions& options() const { return options_; }

 protected:
  void update(const Var& param, const Tensor& g, Slots& slots) override;

 private:
  AdadeltaOptions options_;
};

}  // namespace nn
