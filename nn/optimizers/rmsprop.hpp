#pragma once
// RMSprop, plain or centered, with optional momentum; Keras' defaults and update formula.
#include "nn/optimizers/optimizer.hpp"

namespace nn {

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

}  // namespace nn
