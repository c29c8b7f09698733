#pragma once
// Callbacks: hooks into fit, as in keras.callbacks. Each hook gets the logs
// (metric name → value); batch logs hold running means over the epoch so far,
// epoch logs the epoch's means plus the "val_" metrics. Set
// model().stop_training to end fit after the current batch or epoch.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autodiff/tensor.hpp"
#include "nn/handle.hpp"
#include "nn/optimizers/schedules.hpp"

namespace nn {

class Model;
using Logs = std::map<std::string, double>;

/// What fit tells its callbacks before training.
struct TrainParams {
  int epochs = 0;
  int64_t steps = 0;  // batches per epoch
  int verbose = 0;
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(const Logs& logs) { (void)logs; }
  virtual void on_train_end(const Logs& logs) { (void)logs; }
  virtual void on_epoch_begin(int epoch, const Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_epoch_end(int epoch, const Logs& logs) { (void)epoch, (void)logs; }
  virtual void on_batch_begin(int64_t batch, const Logs& logs) { (void)batch, (void)logs; }
  virtual void on_batch_end(int64_t batch, const Logs& logs) { (void)batch, (void)logs; }
  /// Under a distributed strategy, runs on rank 0 only (it writes files); the others must run everywhere.
  virtual bool chief_only() const { return false; }

  /// fit calls these before on_train_begin.
  void set_model(Model* model) { model_ = model; }
  void set_params(const TrainParams& params) { params_ = params; }
  /// The model being trained; Error outside fit.
  Model& model() const;
  const TrainParams& params() const { return params_; }

 private:
  Model* model_ = nullptr;
  TrainParams params_;
};

/// A callback passed by value (copied into fit) or by shared_ptr (to read it back afterwards).
using CallbackHandle = Handle<Callback>;

namespace callbacks {

/// The value of `key` in logs; ValueError naming the callback and the keys present when absent.
double monitored(const Logs& logs, const std::string& key, const char* who);
/// "min" or "max" from a Keras mode ("auto": "max" when the monitor's name contains "acc").
bool minimizing(const std::string& mode, const std::string& monitor, const char* who);

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  /// An improvement smaller than this does not count.
  double min_delta = 0;
  /// Epochs without improvement before stopping.
  int patience = 0;
  std::string mode = "auto";
  /// At the end of training, put back the weights of the best epoch.
  bool restore_best_weights = false;
  int verbose = 0;
};

/// Stops training when the monitored value has not improved for `patience` epochs.
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;
  void on_train_end(const Logs& logs) override;
  /// The epoch (0-based) at which training stopped, or −1.
  int stopped_epoch() const { return stopped_epoch_; }
  double best() const { return best_; }

 private:
  EarlyStoppingOptions options_;
  bool minimize_;
  double best_ = 0;
  int wait_ = 0, best_epoch_ = -1, stopped_epoch_ = -1;
  std::vector<autodiff::Tensor> best_weights_;
};

/// Stops training at the first batch whose loss is NaN or infinite.
class TerminateOnNaN : public Callback {
 public:
  void on_batch_end(int64_t batch, const Logs& logs) override;
};

/// Sets the learning rate at each epoch's start to schedule(epoch, current lr).
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(std::function<double(int epoch, double lr)> schedule, int verbose = 0);
  void on_epoch_begin(int epoch, const Logs& logs) override;

 private:
  std::function<double(int, double)> schedule_;
  int verbose_;
};

/// Keras' ReduceLROnPlateau: nn::PlateauDecay (nn/optimizers/schedules.hpp) driven by the epoch logs.
class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(const Logs& logs) override;
  void on_epoch_end(int epoch, const Logs& logs) override;

 private:
  PlateauDecay plateau_;
};

/// User lambdas for any hook; unset ones do nothing.
struct LambdaCallbackFns {
  std::function<void(const Logs&)> on_train_begin{};
  std::function<void(const Logs&)> on_train_end{};
  std::function<void(int, const Logs&)> on_epoch_begin{};
  std::function<void(int, const Logs&)> on_epoch_end{};
  std::function<void(int64_t, const Logs&)> on_batch_begin{};
  std::function<void(int64_t, const Logs&)> on_batch_end{};
};

class LambdaCallback : public Callback {
 public:
  explicit LambdaCallback(LambdaCallbackFns fns) : fns_(std::move(fns)) {}
  void on_train_begin(const Logs& logs) override { call(fns_.on_train_begin, logs); }
  void on_train_end(const Logs& logs) override { call(fns_.on_train_end, logs); }
  void on_epoch_begin(int epoch, const Logs& logs) override { call(fns_.on_epoch_begin, epoch, logs); }
  void on_epoch_end(int epoch, const Logs& logs) override { call(fns_.on_epoch_end, epoch, logs); }
  void on_batch_begin(int64_t batch, const Logs& logs) override { call(fns_.on_batch_begin, batch, logs); }
  void on_batch_end(int64_t batch, const Logs& logs) override { call(fns_.on_batch_end, batch, logs); }

 private:
  template <class F, class... A>
  static void call(const F& f, const A&... args) {
    if (f) f(args...);
  }
  LambdaCallbackFns fns_;
};

}  // namespace callbacks
}  // namespace nn
