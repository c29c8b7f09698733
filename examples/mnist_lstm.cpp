// An LSTM on MNIST: each image is 28 time steps of 28 pixels.
//   LSTM(128, input 28x28), Dense(10)+softmax; categorical_crossentropy; Adam(1e-3); accuracy.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/nn.hpp"

using namespace nn;
namespace cli = examples::cli;

int main(int argc, char** argv) {
  return examples::guarded("mnist_lstm", [&] {
    const examples::Flags flags = examples::parse(
        argc, argv,
        examples::with_persistence(examples::training_flags(
            3, {cli::positive_real("lr", "0.001", "learning rate of Adam"),
                examples::fashion_flag()})));
    examples::setup(flags);
    const auto data = examples::load(flags, flags.integer("fashion") != 0);

    Sequential model;
    model.add(LSTM(128, {.input_shape = Shape{28, 28}}));
    model.add(Dense(10, {.activation = "softmax"}));
    model.summary(std::cout);
    model.compile("categorical_crossentropy", Adam(*flags.real("lr")), {"accuracy"});

    examples::train_and_report(flags, model, data, {28, 28});
  });
}
