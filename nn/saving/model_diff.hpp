#pragma once
// What load_checkpoint compares before it restores anything: the model the checkpoint
// recorded (architecture, loss, metrics, optimizer configuration) against the model it
// loads into, so resuming into a model built differently is an error, not a silent restart.
#include <string>

#include "nn/training/model.hpp"

namespace nn::detail {

/// The first difference between a recorded model_json and `model`'s (a Sequential), as a phrase:
/// `the checkpoint's layer dense_1 has activation "relu", the model's "sigmoid"`; "" when they agree.
std::string architecture_difference(const std::string& recorded, const Model& model);
/// The first difference between recorded compile JSON (compile_config) and `model`'s, leaving out what a checkpoint
/// restores (learning rate, clipping): `the checkpoint's loss is "mse", the model's "mae"`; "" when they agree.
std::string compile_difference(const std::string& recorded, const Model& model);

}  // namespace nn::detail
