#pragma once
// ModelCheckpoint: the callback that saves the model after each epoch, as weights or as a full checkpoint
// (nn/saving/checkpoint.hpp) that resumes training.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nn/training/callbacks.hpp"

namespace nn::callbacks {

/// Saves the model's state after each epoch (or only on improvement).
using Saver = std::function<void(const Model& model, const std::string& path)>;

struct ModelCheckpointOptions {
  std::string monitor = "val_loss";
  bool save_best_only = false;
  std::string mode = "auto";
  /// Without a saver: true writes save_weights (safetensors), false a full checkpoint for resuming
  /// (nn::save_checkpoint: weights, optimizer state, generators, the epoch) that nn::load_checkpoint reads.
  bool save_weights_only = false;
  /// A custom way to write the file, used instead of the above when set.
  Saver saver{};
  int verbose = 0;
};

class ModelCheckpoint : public Callback {
 public:
  /// path may name the epoch (1-based) and logs: "ckpt_{epoch:02d}_{val_loss:.3f}.safetensors".
  explicit ModelCheckpoint(std::string path, ModelCheckpointOptions options = {});
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_batch_end(int64_t batch, const Logs& logs) override;
  /// A full checkpoint after an epoch that stop_training cut short counts it as not done: resuming redoes it.
  void on_epoch_end(int epoch, const Logs& logs) override;
  /// The paths written so far.
  const std::vector<std::string>& saved() const { return saved_; }
  bool chief_only() const override { return true; }

 private:
  std::string path_;
  ModelCheckpointOptions options_;
  bool minimize_;
  std::optional<double> best_;
  std::vector<std::string> saved_;
  int64_t batches_ = 0;  // run in the current epoch
};

}  // namespace nn::callbacks
