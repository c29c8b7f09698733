#include "nn/training/csv_logger.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace nn::callbacks {

using autodiff::check;

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
