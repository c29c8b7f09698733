#include "nn/layers/activation.hpp"

#include <fmt/ranges.h>

#include <cmath>
#include <map>

#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/nn.hpp"

namespace nn {
namespace {

using autodiff::Var;

// SELU's constants from Klambauer et al. (2017), as in Keras.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

Var gelu(const Var& x) {
  // The tanh approximation (Keras' approximate=True): the op catalogue has no erf.
  const double c = std::sqrt(2.0 / M_PI);
  return 0.5 * x * (1.0 + autodiff::tanh(c * (x + 0.044715 * autodiff::pow(x, 3.0))));
}

// clamp's value, with the slope of the flat pieces at the corners too, as relu has at 0 and torch's hardtanh
// family (relu6, hardsigmoid) has at both ends: torch.clamp itself passes the gradient at its bounds.
Var hard_clip(const Var& x, double lo, double hi) {
  const Var inside = autodiff::gt(x, autodiff::scalar_like(lo, x)) * autodiff::lt(x, autodiff::scalar_like(hi, x));
  return autodiff::where(inside, x, autodiff::clamp(x, lo, hi).detach());
}

const std::map<std::string, ActivationFn>& registry() {
  static const std::map<std::string, ActivationFn> fns = {
      {"linear", [](const Var& x) { return x; }},
      {"relu", [](const Var& x) { return autodiff::relu(x); }},
      {"relu6", [](const Var& x) { return hard_clip(x, 0.0, 6.0); }},
      {"sigmoid", [](const Var& x) { return autodiff::sigmoid(x); }},
      {"hard_sigmoid", [](const Var& x) { return hard_clip(0.2 * x + 0.5, 0.0, 1.0); }},
      {"tanh", [](const Var& x) { return autodiff::tanh(x); }},
      {"softmax", [](const Var& x) { return autodiff::softmax(x, -1); }},
      {"log_softmax", [](const Var& x) { return autodiff::log_softmax(x, -1); }},
      {"elu", [](const Var& x) { return autodiff::elu(x, 1.0); }},
      {"selu", [](const Var& x) { return kSeluScale * autodiff::elu(x, kSeluAlpha); }},
      {"leaky_relu", [](const Var& x) { return autodiff::leaky_relu(x, 0.2); }},  // Keras 3's default slope
      {"softplus", [](const Var& x) { return autodiff::softplus(x); }},
      {"softsign", [](const Var& x) { return x / (1.0 + autodiff::abs(x)); }},
      {"exponential", [](const Var& x) { return autodiff::exp(x); }},
      {"swish", [](const Var& x) { return x * autodiff::sigmoid(x); }},
      {"silu", [](const Var& x) { return x * autodiff::sigmoid(x); }},
      {"gelu", gelu},
  };
  return fns;
}

}  // namespace

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : registry()) names.push_back(name);
  return names;
}

ActivationFn activation(const std::string& name) {
  if (name.empty()) return registry().at("linear");
  const auto it = registry().find(name);
  autodiff::check<autodiff::ValueError>(it != registry().end(), "activation: unknown activation '{}'; known: {}", name,
                                        fmt::join(activation_names(), ", "));
  return it->second;
}

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
