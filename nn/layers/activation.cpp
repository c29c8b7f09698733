#include "nn/layers/activation.hpp"

namespace nn {

Activation::Activation(std::string name) : activation_name_(std::move(name)), fn_(activation(activation_name_)) {}

}  // namespace nn
