// The reference MLP on MNIST, line for line like its Keras original:
//   Dense(500, input 784)+sigmoid, Dense(500)+sigmoid, Dense(10)+softmax; mse; SGD(0.1); accuracy.
// It learns slowly on purpose (sigmoid + mse + plain SGD); the usual fixes are flags:
//   --activation relu --loss categorical_crossentropy --optimizer adam
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/layers.hpp"
#include "nn/optimizers.hpp"

using namespace nn;

namespace {
std::shared_ptr<Optimizer> make_optimizer(const std::string& name, const examples::Flags& flags) {
  const auto lr = flags.optional("lr");
  if (name == "sgd") return std::make_shared<SGD>(lr ? std::stod(*lr) : 0.1);
  if (name == "adam") return std::make_shared<Adam>(lr ? std::stod(*lr) : 1e-3);
  if (name == "adadelta") return std::make_shared<Adadelta>(lr ? std::stod(*lr) : 1.0);
  throw std::invalid_argument("--optimizer must be sgd, adam or adadelta; got " + name);
}
}  // namespace

int main(int argc, char** argv) {
  return examples::guarded("mnist_mlp", [&] {
    const examples::Flags flags(
        argc, argv,
        examples::with_persistence({{"data", ""}, {"epochs", "20"}, {"batch-size", "128"}, {"threads", "0"},
                                    {"seed", "0"}, {"limit", "0"}, {"activation", "sigmoid"}, {"loss", "mse"},
                                    {"optimizer", "sgd"}, {"lr", ""}, {"fashion", "0"}}));
    examples::setup(flags);
    const auto data = examples::load(flags, flags.integer("fashion") != 0);
    const std::string act = flags.str("activation");

    Sequential model;
    model.add(Dense(500, {.activation = act, .input_shape = Shape{784}}));
    model.add(Dense(500, {.activation = act}));
    model.add(Dense(10, {.activation = "softmax"}));
    model.summary(std::cout);
    model.compile(flags.str("loss"), make_optimizer(flags.str("optimizer"), flags), {"accuracy"});

    examples::train_and_report(flags, model, data, {784});
  });
}
