#pragma once
// CSVLogger: the callback that writes each epoch's logs as a CSV row (Keras' CSVLogger).
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "nn/training/callbacks.hpp"

namespace nn::callbacks {

/// Appends one CSV row per epoch: "epoch,<sorted log keys>".
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, char separator = ',', bool append = false);
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  bool chief_only() const override { return true; }

 private:
  std::string path_;
  char separator_;
  bool append_;
  std::shared_ptr<std::ofstream> file_;  // shared: callbacks are copied into fit
  std::vector<std::string> keys_;
  bool header_written_ = false;
};

}  // namespace nn::callbacks
