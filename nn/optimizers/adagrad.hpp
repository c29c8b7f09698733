#pragma once
// Adagrad with Keras' defaults and update formula.
#include "nn/optimizers/optimizer.hpp"

namespace nn {

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

}  // namespace nn
