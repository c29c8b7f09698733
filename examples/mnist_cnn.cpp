// The reference CNN on MNIST, line for line like its Keras original:
//   Conv2D(10,3x3,same,input 28x28x1)+relu, MaxPooling2D(2x2), Conv2D(10,3x3,same)+relu,
//   MaxPooling2D(2x2), Flatten, Dense(200)+relu, Dense(10)+softmax;
//   categorical_crossentropy; Adadelta; accuracy.
#include <fmt/core.h>

#include <iostream>

#include "examples/common.hpp"
#include "nn/layers.hpp"
#include "nn/optimizers.hpp"

using namespace nn;

int main(int argc, char** argv) try {
  const examples::Flags flags(
      argc, argv,
      examples::with_persistence({{"data", ""}, {"epochs", "3"}, {"batch-size", "128"}, {"threads", "0"}, {"seed", "0"},
                                  {"limit", "0"}, {"lr", "1.0"}, {"fashion", "0"}}));
  autodiff::set_num_threads(static_cast<int>(flags.integer("threads")));
  autodiff::manual_seed(static_cast<uint64_t>(flags.integer("seed")));
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
  model.compile("categorical_crossentropy", Adadelta(flags.real("lr")), {"accuracy"});

  const Tensor x_test = data::images(data.test, {28, 28, 1}), y_test = data::one_hot_labels(data.test);
  nn::FitOptions options{.batch_size = flags.integer("batch-size"),
                         .epochs = static_cast<int>(flags.integer("epochs")),
                         .validation_data = std::pair{x_test, y_test}};
  examples::persist_before(flags, model, options);
  model.fit(data::images(data.train, {28, 28, 1}), data::one_hot_labels(data.train), options);
  examples::persist_after(flags, model);
  const auto logs = model.evaluate(x_test, y_test, 128);
  fmt::print("Test loss: {:.4f}\nTest accuracy: {:.4f}\n", logs.at("loss"), logs.at("accuracy"));
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "mnist_cnn: {}\n", e.what());
  return 1;
}
