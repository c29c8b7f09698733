#pragma once
// The reference MNIST models (examples/mnist_{mlp,cnn,lstm,transformer}.cpp) as the benchmarks build them.
#include <memory>
#include <stdexcept>
#include <string>

#include "examples/transformer_model.hpp"
#include "nn/nn.hpp"

namespace bench {

/// The per-sample input shape of the reference model `model`.
inline nn::Shape sample_shape(const std::string& model) {
  if (model == "mlp") return {784};
  if (model == "cnn") return {28, 28, 1};
  return {28, 28};
}

/// Exactly the examples' models and compile settings, without metrics (the peer computes none).
inline std::unique_ptr<nn::Model> reference_model(const std::string& name) {
  if (name == "transformer") {
    auto m = std::make_unique<nn::Model>(examples::mnist_transformer());
    m->compile("categorical_crossentropy", nn::Adam(1e-3));
    return m;
  }
  auto m = std::make_unique<nn::Sequential>();
  if (name == "mlp") {
    m->add(nn::Dense(500, {.activation = "sigmoid", .input_shape = nn::Shape{784}}));
    m->add(nn::Dense(500, {.activation = "sigmoid"}));
    m->add(nn::Dense(10, {.activation = "softmax"}));
    m->compile("mse", nn::SGD(0.1));
  } else if (name == "cnn") {
    m->add(nn::Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu", .input_shape = nn::Shape{28, 28, 1}}));
    m->add(nn::MaxPooling2D({2, 2}));
    m->add(nn::Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}));
    m->add(nn::MaxPooling2D({2, 2}));
    m->add(nn::Flatten());
    m->add(nn::Dense(200, {.activation = "relu"}));
    m->add(nn::Dense(10, {.activation = "softmax"}));
    m->compile("categorical_crossentropy", nn::Adadelta({.lr = 1.0, .rho = 0.95, .epsilon = 1e-7}));
  } else if (name == "lstm") {
    m->add(nn::LSTM(128, {.input_shape = nn::Shape{28, 28}}));
    m->add(nn::Dense(10, {.activation = "softmax"}));
    m->compile("categorical_crossentropy", nn::Adam(1e-3));
  } else {
    throw std::invalid_argument("--model must be mlp, cnn, lstm, transformer or all; got " + name);
  }
  return m;
}

}  // namespace bench
