#pragma once
// Adadelta with Keras' defaults and update formula.
#include "nn/optimizers/optimizer.hpp"

namespace nn {

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
