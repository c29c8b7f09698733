#pragma once
// Checkpoints for resuming training bit for bit: in one safetensors file the
// weights (by parameter name), every optimizer slot ("optimizer/<param>/<slot>"),
// and in the metadata under "wengert.checkpoint" the epoch, the optimizer's step
// count, learning rate, clipping and schedule type, and the state of every random
// generator training draws from (the model's, which shuffles, and each Dropout's).
// A Sequential's architecture rides along under "wengert.model". Layout: docs/serialization.md.
#include <filesystem>

#include "nn/training/model.hpp"

namespace nn {

/// The metadata key that holds the checkpoint JSON.
inline constexpr const char* kCheckpointMetadataKey = "wengert.checkpoint";

/// Writes everything fit needs to continue after `epoch` completed epochs, atomically.
void save_checkpoint(const std::filesystem::path& path, const Model& model, int epoch);
/// Restores a checkpoint into `model` (built the same way, and compiled with the same optimizer type when the
/// checkpoint has optimizer state) and returns its epoch: pass it to fit as FitOptions::initial_epoch.
int load_checkpoint(const std::filesystem::path& path, Model& model);

}  // namespace nn
