#pragma once
// Ctrl-C during training: the first SIGINT asks fit to stop after the current batch (so a checkpoint
// callback can save), the second one ends the process at once, as SIGINT normally does.
#include <cstdint>

#include "nn/training/callbacks.hpp"

namespace examples::cli {

/// While alive, SIGINT is caught as above; the destructor puts back the previous handler.
/// A SIGINT that was ignored when it was made (nohup, a background job) stays ignored.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  bool installed_ = false;
};

/// Whether a SIGINT arrived while an InterruptScope was alive.
bool interrupted();

/// Sets model().stop_training after the first batch that ends once interrupted() is true.
class StopOnInterrupt : public nn::Callback {
 public:
  void on_epoch_begin(int epoch, const nn::Logs& logs) override;
  void on_batch_end(int64_t batch, const nn::Logs& logs) override;

 private:
  int epoch_ = 0;
};

}  // namespace examples::cli
