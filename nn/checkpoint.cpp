// The callbacks that write files: ModelCheckpoint (safetensors via nn/io) and CSVLogger.
#include <fmt/args.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "nn/callbacks.hpp"
#include "nn/io/checkpoint.hpp"
#include "nn/model.hpp"

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

CSVLogger::CSVLogger(std::string path, char separator, bool append)
    : path_(std::move(path)), separator_(separator), append_(append) {}

void CSVLogger::on_train_begin(const Logs&) {
  // Appending to a file that has rows already: its header is there, so keep writing rows only.
  std::error_code ec;
  const bool has_header = append_ && std::filesystem::file_size(path_, ec) > 0 && !ec;
  file_ = std::make_shared<std::ofstream>(path_, append_ ? std::ios::app : std::ios::trunc);
  check<autodiff::IoError>(file_->good(), "CSVLogger: cannot open '{}' for writing", path_);
  keys_.clear();
  header_written_ = has_header;
}

void CSVLogger::on_epoch_end(int epoch, const Logs& logs) {
  check<autodiff::IoError>(file_ != nullptr, "CSVLogger: on_epoch_end before on_train_begin");
  if (keys_.empty()) {  // the columns are the first epoch's keys, sorted like Keras
    for (const auto& [key, v] : logs) keys_.push_back(key);
    if (!header_written_) {
      *file_ << "epoch";
      for (const std::string& key : keys_) *file_ << separator_ << key;
      *file_ << "\n";
    }
    header_written_ = true;
  }
  *file_ << epoch;
  for (const std::string& key : keys_) {
    const auto it = logs.find(key);
    *file_ << separator_;
    if (it != logs.end()) *file_ << fmt::format("{}", it->second);
  }
  *file_ << "\n" << std::flush;
}

void CSVLogger::on_train_end(const Logs&) { file_.reset(); }

}  // namespace nn::callbacks
