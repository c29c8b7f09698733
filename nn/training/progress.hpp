#pragma once
// Keras' progress output as a callback that fit adds when verbose > 0:
//   Epoch 1/3
//    12/469 [>.............................] - ETA: 3s - loss: 0.2345 - accuracy: 0.9123
// redrawn with \r on a terminal; when not a terminal (or verbose 2) only each epoch's last line.
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "nn/training/callbacks.hpp"

namespace nn {

/// " - loss: 0.2345 - accuracy: 0.9123 - val_loss: ...": loss first, then metrics, then validation.
std::string format_logs(const Logs& logs);
/// "  12/469 [=====>........................]" with a 30-character bar.
std::string format_bar(int64_t current, int64_t target);
/// Keras' ETA: "3s", "1:05", "1:01:05".
std::string format_eta(double seconds);

class ProgbarLogger : public Callback {
 public:
  /// verbose 1: bar (redrawn only when `terminal`); verbose 2: one line per epoch.
  ProgbarLogger(std::ostream& out, int verbose, bool terminal);
  void on_epoch_begin(int epoch, const Logs& logs) override;
  void on_batch_end(int64_t batch, const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;

 private:
  using Clock = std::chrono::steady_clock;
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  std::ostream* out_;
  int verbose_;
  bool terminal_;
  Clock::time_point start_, last_draw_;
  int64_t seen_ = 0;
};

/// True when `out` is std::cout (or std::cerr) and that stream is a terminal.
bool is_terminal(const std::ostream& out);

}  // namespace nn
