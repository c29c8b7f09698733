// The reference CNN on MNIST, line for line like its Keras original:
//   Conv2D(10,3x3,same,input 28x28x1)+relu, MaxPooling2D(2x2), Conv2D(10,3x3,same)+relu,
//   MaxPooling2D(2x2), Flatten, Dense(200)+relu, Dense(10)+softmax;
//   categorical_crossentropy; Adadelta; accuracy.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/nn.hpp"

using namespace nn;
namespace cli = examples::cli;

int main(int argc, char** argv) {
  return examples::guarded("mnist_cnn", [&] {
    const examples::Flags flags = examples::parse(
        argc, argv,
        examples::with_persistence(examples::training_flags(
            3, {cli::positive_real("lr", "1.0", "learning rate of Adadelta"),
                examples::fashion_flag()})));
    examples::setup(flags);
    const auto data = examples::load(flags, flags.integer("fashion") != 0);

    Sequential model;
    model.add(Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu", .input_shape = Shape{28, 28, 1}}));
    model.add(MaxPooling2D({2, 2}));
    model.add(Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}));
    model.add(MaxPooling2D({2, 2}));
    model.add(Flatten());
    model.add(Dense(200, {.activation = "relu"}));
    model.add(Dense(10, {.activation = "softmax"}));
    model.summary(std::cout);
    model.compile("categorical_crossentropy", Adadelta(*flags.real("lr")), {"accuracy"});

    examples::train_and_report(flags, model, data, {28, 28, 1});
  });
}
