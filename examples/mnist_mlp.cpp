// The reference MLP on MNIST, line for line like its Keras original:
//   Dense(500, input 784)+sigmoid, Dense(500)+sigmoid, Dense(10)+softmax; mse; SGD(0.1); accuracy.
// It learns slowly on purpose (sigmoid + mse + plain SGD); the usual fixes are flags:
//   --activation relu --loss categorical_crossentropy --optimizer adam
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/nn.hpp"

using namespace nn;
namespace cli = examples::cli;

namespace {
std::shared_ptr<Optimizer> make_optimizer(const std::string& name, const examples::Flags& flags) {
  const auto lr = flags.real("lr");
  if (name == "sgd") return std::make_shared<SGD>(lr.value_or(0.1));
  if (name == "adam") return std::make_shared<Adam>(lr.value_or(1e-3));
  return std::make_shared<Adadelta>(lr.value_or(1.0));  // parse allowed only these three
}
}  // namespace

int main(int argc, char** argv) {
  return examples::guarded("mnist_mlp", [&] {
    const examples::Flags flags = examples::parse(
        argc, argv,
        examples::with_persistence(examples::training_flags(
            20, {cli::text("activation", "sigmoid", "activation of the two hidden layers: relu, tanh, ..."),
                 cli::text("loss", "mse", "loss to minimise: categorical_crossentropy, ..."),
                 cli::choice("optimizer", "sgd", {"sgd", "adam", "adadelta"}, "optimizer"),
                 cli::positive_real("lr", "", "learning rate; none = 0.1 for sgd, 0.001 for adam, 1 for adadelta"),
                 examples::fashion_flag()})));
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
