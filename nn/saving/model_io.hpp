#pragma once
// Whole models in one safetensors file: the weights as tensors, and in the
// "__metadata__" map under "wengert.model" the architecture (each layer's type,
// name, dtype and config()) and the compile state (loss name, optimizer type and
// hyperparameters, metric names) as JSON, so load_model rebuilds the model
// without the code that built it. Layer types come from the registry
// (nn/layers/config.hpp), losses by name (nn::register_loss). Schema: docs/serialization.md.
#include <filesystem>
#include <memory>
#include <string>

#include "nn/training/sequential.hpp"

namespace nn {

/// The metadata key that holds the model JSON.
inline constexpr const char* kModelMetadataKey = "wengert.model";

/// Whether model_json can describe the model: a Sequential or a functional model.
bool has_architecture(const Model& model);
/// The architecture and compile state of a Sequential or functional model as JSON; ValueError for other models.
std::string model_json(const Model& model);
/// The compile state of any model as JSON text (the "compile" field of model_json): the loss name, the optimizer's
/// type, hyperparameters and schedule, the metric names; "null" when the model is not compiled.
std::string compile_config(const Model& model);
/// Rebuilds the model model_json described (built when its input shape is known, compiled when it was and
/// `compile` is set); errors name `source` and the JSON location (line and column, or the JSON pointer of a bad field).
std::shared_ptr<Model> parse_model_json(const std::string& json, const std::string& source, bool compile = true);
/// Writes the model's architecture, compile state and weights to `path`, atomically.
void save_model(const std::filesystem::path& path, const Model& model);
struct LoadModelOptions {
  /// Restore the compile state (loss, optimizer, metrics); false loads the bare model, as Keras' compile=False
  /// (for inference, or to compile it anew).
  bool compile = true;
};

/// The model save_model wrote (a Sequential or a functional Model), with its weights (strictly matched).
std::shared_ptr<Model> load_model(const std::filesystem::path& path, LoadModelOptions options = {});

}  // namespace nn
