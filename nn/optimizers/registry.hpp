#pragma once
// Optimizers by name: make_optimizer("adam") for compile, and an optimizer's type and hyperparameters by name, so
// a saved model can be compiled again without the code that built it: {"type": "SGD", lr, momentum, ...}.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/optimizers/optimizer.hpp"

namespace nn {

/// Hyperparameters by Keras name (flags as 0 or 1) and clip_value, clip_norm; the type is optimizer.type().
using OptimizerConfig = std::map<std::string, double>;

/// The hyperparameters of a built-in optimizer; ValueError naming the type for any other.
OptimizerConfig optimizer_config(const Optimizer& optimizer);
/// A new optimizer of `type` ("SGD", "Adam", ...) with these hyperparameters (absent ones keep their defaults);
/// an unknown type or name is a ValueError listing the known ones.
std::shared_ptr<Optimizer> optimizer_from_config(const std::string& type, const OptimizerConfig& config);
/// Every type optimizer_from_config makes, sorted.
std::vector<std::string> known_optimizers();
/// A Keras optimizer by name with default settings: "sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta" (or the
/// type names); ValueError lists the known names.
std::shared_ptr<Optimizer> make_optimizer(const std::string& name);

}  // namespace nn
