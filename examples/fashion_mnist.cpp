// The reference CNN on Fashion-MNIST (Debian's dataset-fashion-mnist package):
// the same model and settings as mnist_cnn, on the harder data set.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/nn.hpp"

using namespace nn;

int main(int argc, char** argv) {
  return examples::guarded("fashion_mnist", [&] {
    const examples::Flags flags =
        examples::parse(argc, argv, examples::with_persistence(examples::training_flags(3)));
    examples::setup(flags);
    const auto data = examples::load(flags, /*fashion=*/true);

    Sequential model{
        Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu", .input_shape = Shape{28, 28, 1}}),
        MaxPooling2D({2, 2}),
        Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}),
        MaxPooling2D({2, 2}),
        Flatten(),
        Dense(200, {.activation = "relu"}),
        Dense(10, {.activation = "softmax"}),
    };
    model.summary(std::cout);
    model.compile("categorical_crossentropy", Adadelta(1.0), {"accuracy"});

    examples::train_and_report(flags, model, data, {28, 28, 1});
  });
}
