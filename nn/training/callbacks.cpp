#include "nn/training/callbacks.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "nn/training/model.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

Model& Callback::model() const {
  check<autodiff::Error>(model_ != nullptr, "Callback: no model; callbacks get one from fit");
  return *model_;
}

namespace callbacks {

double monitored(const Logs& logs, const std::string& key, const char* who) {
  const auto it = logs.find(key);
  if (it != logs.end()) return it->second;
  std::string known;
  for (const auto& [k, v] : logs) known += (known.empty() ? "" : ", ") + k;
  throw ValueError(
      fmt::format("{}: monitor '{}' is not in the logs (validation data missing?); got {}", who, key, known));
}

bool minimizing(const std::string& mode, const std::string& monitor, const char* who) {
  check<ValueError>(mode == "auto" || mode == "min" || mode == "max", "{}: mode must be auto, min or max; got '{}'",
                    who, mode);
  if (mode == "auto") return monitor.find("acc") == std::string::npos;
  return mode == "min";
}

EarlyStopping::EarlyStopping(EarlyStoppingOptions options)
    : options_(std::move(options)), minimize_(minimizing(options_.mode, options_.monitor, "EarlyStopping")) {
  check<ValueError>(options_.patience >= 0, "EarlyStopping: patience must be non-negative; got {}", options_.patience);
}

void EarlyStopping::on_train_begin(const Logs&) {
  best_ = minimize_ ? INFINITY : -INFINITY;
  wait_ = 0;
  best_epoch_ = stopped_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(int epoch, const Logs& logs) {
  const double v = monitored(logs, options_.monitor, "EarlyStopping");
  const double delta = std::abs(options_.min_delta);
  const bool better = minimize_ ? v < best_ - delta : v > best_ + delta;
  if (better || best_epoch_ < 0) {
    best_ = v;
    best_epoch_ = epoch;
    wait_ = 0;
    if (options_.restore_best_weights) {
      best_weights_.clear();
      for (const auto& [name, p] : model().named_state()) best_weights_.push_back(p.value().clone());
    }
    return;
  }
  // As Keras: stop after `patience` consecutive epochs without improvement.
  if (++wait_ >= options_.patience) {
    stopped_epoch_ = epoch;
    model().stop_training = true;
  }
}

void EarlyStopping::on_train_end(const Logs&) {
  if (options_.verbose > 0 && stopped_epoch_ >= 0)
    std::cout << fmt::format("Epoch {}: early stopping\n", stopped_epoch_ + 1);
  if (!options_.restore_best_weights || best_weights_.empty()) return;
  const NamedParams state = model().named_state();
  for (size_t i = 0; i < state.size() && i < best_weights_.size(); ++i) state[i].second.set_value(best_weights_[i]);
  if (options_.verbose > 0)
    std::cout << fmt::format("Restoring model weights from the end of the best epoch: {}.\n", best_epoch_ + 1);
}

void TerminateOnNaN::on_batch_end(int64_t batch, const Logs& logs) {
  const auto it = logs.find("loss");
  if (it == logs.end() || std::isfinite(it->second)) return;
  std::cout << fmt::format("Batch {}: Invalid loss, terminating training\n", batch);
  model().stop_training = true;
}

LearningRateScheduler::LearningRateScheduler(std::function<double(int, double)> schedule, int verbose)
    : schedule_(std::move(schedule)), verbose_(verbose) {
  check<ValueError>(static_cast<bool>(schedule_), "LearningRateScheduler: the schedule is empty");
}

void LearningRateScheduler::on_epoch_begin(int epoch, const Logs&) {
  Optimizer& opt = model().optimizer();
  const double lr = schedule_(epoch, opt.learning_rate());
  check<ValueError>(std::isfinite(lr), "LearningRateScheduler: the schedule returned {} at epoch {}", lr, epoch);
  opt.set_learning_rate(lr);
  if (verbose_ > 0)
    std::cout << fmt::format("Epoch {}: LearningRateScheduler setting learning rate to {}.\n", epoch + 1, lr);
}

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options) : plateau_(std::move(options)) {}

void ReduceLROnPlateau::on_train_begin(const Logs&) { plateau_.reset(); }

void ReduceLROnPlateau::on_epoch_end(int, const Logs& logs) {
  Optimizer& optimizer = model().optimizer();
  const double value = monitored(logs, plateau_.options().monitor, "ReduceLROnPlateau");
  if (const auto lr = plateau_.on_epoch_end(value, optimizer.learning_rate())) optimizer.set_learning_rate(*lr);
}

}  // namespace callbacks
}  // namespace nn
