#include "nn/saving/model_checkpoint.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "nn/saving/checkpoint.hpp"
#include "nn/training/model.hpp"

namespace nn::callbacks {

using autodiff::check;

ModelCheckpoint::ModelCheckpoint(std::string path, ModelCheckpointOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      minimize_(minimizing(options_.mode, options_.monitor, "ModelCheckpoint")) {}

void ModelCheckpoint::on_epoch_begin(int, const Logs&) { batches_ = 0; }

void ModelCheckpoint::on_batch_end(int64_t, const Logs&) { ++batches_; }

void ModelCheckpoint::on_epoch_end(int epoch, const Logs& logs) {
  if (options_.save_best_only) {
    const double v = monitored(logs, options_.monitor, "ModelCheckpoint");
    if (best_ && !(minimize_ ? v < *best_ : v > *best_)) return;
    best_ = v;
  }
  // The path is a format string over the 1-based epoch and the logs, as Keras' "weights.{epoch:02d}.h5".
  fmt::dynamic_format_arg_store<fmt::format_context> args;
  args.push_back(fmt::arg("epoch", epoch + 1));
  for (const auto& [key, v] : logs) args.push_back(fmt::arg(key.c_str(), v));
  const std::string path = fmt::vformat(path_, args);
  // A checkpoint after epoch e (0-based) holds e + 1 completed epochs: fit resumes with initial_epoch = e + 1.
  // An epoch stopped early (Ctrl-C, TerminateOnNaN) is not completed: the resumed run redoes it from its
  // start with the weights as they are now (docs/serialization.md, "Checkpoints").
  const bool completed = batches_ >= params().steps;
  if (options_.saver)
    options_.saver(model(), path);
  else if (options_.save_weights_only)
    save_weights(path, model());
  else
    save_checkpoint(path, model(), completed ? epoch + 1 : epoch);
  saved_.push_back(path);
  if (options_.verbose > 0) std::cout << fmt::format("Epoch {}: saving model to {}\n", epoch + 1, path);
}

}  // namespace nn::callbacks
