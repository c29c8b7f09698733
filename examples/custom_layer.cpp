// A user-written layer: a learnable scaled tanh, y = a·tanh(x), with one
// parameter per feature. It is built from autodiff ops only, so its gradient
// comes from the tape; it drops into Sequential next to the built-in layers.
#include <fmt/core.h>

#include <iostream>

#include "nn/nn.hpp"

using namespace nn;

class ScaledTanh : public Layer {
 public:
  std::string type() const override { return "ScaledTanh"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  void build(const Shape& input_shape, autodiff::Generator&) override {
    register_parameter("scale", autodiff::ones({input_shape.back()}));  // named "scaled_tanh_1.scale" in a model
  }
  Var forward(const Var& x) override {
    ensure_built(x);
    return parameter("scale") * autodiff::tanh(x);
  }
};

int main() {
  autodiff::manual_seed(0);
  autodiff::Generator gen(1);
  const Tensor x = autodiff::randn({256, 4}, gen);
  // Target: a rescaled tanh of a fixed linear map; the model must learn both.
  const Tensor y = (2.0 * autodiff::tanh(autodiff::matmul(Var(x), Var(autodiff::randn({4, 2}, gen))))).value();

  Sequential model{Dense(2, {.input_shape = Shape{4}}), ScaledTanh()};
  model.compile("mse", Adam(0.05));
  model.summary(std::cout);
  const History h = model.fit(x, y, {.batch_size = 32, .epochs = 30, .verbose = 0});
  fmt::print("loss: {:.4f} -> {:.4f}\n", h["loss"].front(), h["loss"].back());
  return h["loss"].back() < 0.1 * h["loss"].front() ? 0 : 1;
}
