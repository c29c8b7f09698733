#pragma once
// Weights files: a module's named_state() (trainable parameters and buffers
// such as BatchNorm's moving statistics) as a safetensors file keyed by full
// parameter name ("dense_1.kernel"), which NumPy and PyTorch read directly.
// Loading matches by name and checks shapes and dtypes (docs/serialization.md).
#include <filesystem>
#include <string>
#include <vector>

#include "nn/io/safetensors.hpp"
#include "nn/module.hpp"

namespace nn {

struct LoadOptions {
  /// Strict: any missing, unexpected, reshaped or retyped tensor is one ValueError listing every mismatch.
  /// Otherwise what matches is loaded and the rest reported.
  bool strict = true;
};

/// What a load did, by parameter name.
struct LoadReport {
  std::vector<std::string> loaded;
  /// In the model, not in the file.
  std::vector<std::string> missing;
  /// In the file, not in the model.
  std::vector<std::string> unexpected;
  /// In both with another shape or dtype: "dense_1.kernel: shape [3, 4] in the file, [4, 3] in the model".
  std::vector<std::string> mismatched;

  /// Whether every tensor matched.
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// One line per skipped tensor, "missing: dense_1.bias", ...
  std::string str() const;
};

/// Writes module.named_state() to `path` (atomically: a crash leaves the old file or the new one).
void save_weights(const std::filesystem::path& path, const Module& module);
/// Reads `path` into module's state by name; builds a Sequential first when its input shape is known.
LoadReport load_weights(const std::filesystem::path& path, Module& module, LoadOptions options = {});

/// The tensors of module.named_state(), contiguous, by full name (what save_weights writes).
io::NamedTensors state_tensors(const Module& module);
/// Sets module's state from `tensors` by name (all finite); `source` (the file) and `what` ("load_weights") name
/// the error.
LoadReport assign_state(Module& module, const io::NamedTensors& tensors, const LoadOptions& options,
                        const std::string& what, const std::string& source);
/// Throws ValueError when a tensor holds a NaN or an infinity, naming `what`, `source`, the tensor and the first bad
/// element: no weight, buffer or optimizer slot of a trained model is legitimately non-finite.
void check_finite(const io::NamedTensors& tensors, const std::string& what, const std::string& source);

}  // namespace nn
