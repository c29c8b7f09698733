#include "nn/layers/activation.hpp"

namespace nn {

Activation::Activation(std::string name) : activation_name_(std::move(name)), fn_(activation(activation_name_)) {}

LayerConfig Activation::config() const {
  LayerConfig c(type());
  c.set("activation", activation_name_);
  return c;
}

std::shared_ptr<Layer> Activation::from_config(const LayerConfig& c) {
  return std::make_shared<Activation>(ConfigReader{c}.required<std::string>("activation"));
}

}  // namespace nn
