// The callbacks that write files: ModelCheckpoint (with a placeholder binary format) and CSVLogger.
#include <fmt/args.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "nn/callbacks.hpp"
#include "nn/model.hpp"

namespace nn::callbacks {

using autodiff::check;

namespace {
template <class T>
void put(std::ofstream& f, T v) {
  f.write(reinterpret_cast<const char*>(&v), sizeof v);
}
}  // namespace

void save_binary_dump(const Model& model, const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  check<autodiff::IoError>(f.good(), "save_binary_dump: cannot open '{}' for writing", path);
  for (const auto& [name, v] : model.named_state()) {
    const Tensor t = v.value().contiguous();
    put<uint64_t>(f, name.size());
    f.write(name.data(), static_cast<std::streamsize>(name.size()));
    put<uint8_t>(f, t.dtype() == autodiff::DType::f32 ? 0 : 1);
    put<uint64_t>(f, static_cast<uint64_t>(t.rank()));
    for (int64_t d : t.shape()) put<int64_t>(f, d);
    autodiff::dispatch(t.dtype(), [&]<class T>(T) {
      f.write(reinterpret_cast<const char*>(t.data<T>()), static_cast<std::streamsize>(t.numel() * sizeof(T)));
    });
  }
  check<autodiff::IoError>(f.good(), "save_binary_dump: writing '{}' failed", path);
}

ModelCheckpoint::ModelCheckpoint(std::string path, ModelCheckpointOptions options)
    : path_(std::move(path)),
      options_(std::move(options)),
      minimize_(minimizing(options_.mode, options_.monitor, "ModelCheckpoint")) {
  check<autodiff::ValueError>(static_cast<bool>(options_.saver), "ModelCheckpoint: the saver is empty");
}

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
  options_.saver(model(), path);
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
