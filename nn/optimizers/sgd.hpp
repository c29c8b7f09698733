#pragma once
// SGD with momentum and Nesterov momentum, Keras' defaults and update formula. As every optimizer
// here, it takes an option struct with designated initializers, nn::SGD({.lr = 0.1, .momentum = 0.9}), or a short
// positional form, nn::SGD(0.1); weight_decay, where offered outside AdamW, is coupled (PyTorch style):
// g ← g + weight_decay·p before the update.
#include "nn/optimizers/optimizer.hpp"

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

}  // namespace nn
