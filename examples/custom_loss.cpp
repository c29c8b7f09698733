// A user-defined loss passed to compile: the focal loss (Lin et al. 2017),
// written with autodiff ops only, gradient-checked in f64, then used to train
// a small MLP on MNIST.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/nn.hpp"

using namespace nn;
using autodiff::Var;

// FL = −Σ y·(1 − p)^γ·log p, averaged over the batch; γ = 2 down-weights easy examples.
Var focal_loss(const Var& y_true, const Var& y_pred) {
  const Var p = autodiff::clamp(y_pred, 1e-7, 1.0 - 1e-7);
  const Var per_class = y_true * autodiff::pow(1.0 - p, 2.0) * autodiff::log(p);
  return -autodiff::mean(autodiff::sum(per_class, {-1}));
}

int main(int argc, char** argv) try {
  const examples::Flags flags = examples::parse(argc, argv, examples::training_flags(2));
  examples::setup(flags);

  // 1. Check the loss's gradient against finite differences before trusting it.
  autodiff::Generator gen(1);
  const Tensor y_true = autodiff::one_hot({0, 2, 1}, 3, autodiff::DType::f64);
  const Tensor logits = autodiff::randn({3, 3}, gen, autodiff::DType::f64);
  const autodiff::Function f = [&](const std::vector<Var>& in) {
    return focal_loss(Var(y_true), autodiff::softmax(in[0]));
  };
  autodiff::GradcheckOptions options;
  options.name = "focal_loss";
  const auto check = autodiff::gradcheck(f, {logits}, options);
  fmt::print("{}\n", check.ok ? "focal_loss: gradcheck passed" : check.report);
  if (!check.ok) return 1;

  // 2. Train with it.
  const auto data = examples::load(flags);
  Sequential model{Dense(128, {.activation = "relu", .input_shape = Shape{784}}), Dense(10, {.activation = "softmax"})};
  model.compile(Loss("focal_loss", focal_loss), Adam(1e-3), {"accuracy"});
  model.fit(data::images(data.train, {784}), data::one_hot_labels(data.train),
            {.batch_size = flags.integer("batch-size"), .epochs = static_cast<int>(flags.integer("epochs")),
             .strategy = examples::strategy()});  // data-parallel when started by mpirun
  const auto logs =
      model.evaluate(data::images(data.test, {784}), data::one_hot_labels(data.test), 128, examples::strategy());
  fmt::print("Test accuracy: {:.4f}\n", logs.at("accuracy"));
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "custom_loss: {}\n", e.what());
  return 1;
}
