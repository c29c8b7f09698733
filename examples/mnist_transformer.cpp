// A Transformer encoder on MNIST, built with the functional API (examples/transformer_model.hpp): each image is
// 28 tokens of 28 pixels, two pre-norm encoder blocks, global average pooling, Dense(10)+softmax;
// categorical_crossentropy; Adam(1e-3); accuracy.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "examples/transformer_model.hpp"
#include "nn/nn.hpp"

using namespace nn;
namespace cli = examples::cli;

int main(int argc, char** argv) {
  return examples::guarded("mnist_transformer", [&] {
    const examples::Flags flags = examples::parse(
        argc, argv,
        examples::with_persistence(examples::training_flags(
            3, {cli::positive_real("lr", "0.001", "learning rate of Adam"), examples::fashion_flag()})));
    examples::setup(flags);
    const auto data = examples::load(flags, flags.integer("fashion") != 0);

    Model model = examples::mnist_transformer();
    model.summary(std::cout);
    model.compile("categorical_crossentropy", Adam(*flags.real("lr")), {"accuracy"});

    examples::train_and_report(flags, model, data, {28, 28});
  });
}
