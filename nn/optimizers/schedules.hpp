#pragma once
// Learning-rate schedules (Keras semantics): the learning rate of step t, with
// t counted from 0 for an optimizer's first update. PlateauDecay instead
// reacts to a monitored value at each epoch's end (the logic of the ReduceLROnPlateau callback).
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nn {

class LearningRateSchedule {
 public:
  virtual ~LearningRateSchedule() = default;
  /// The learning rate of step `step` (0-based).
  virtual double lr(int64_t step) const = 0;
  /// The Keras class name, e.g. "ExponentialDecay".
  virtual std::string type() const = 0;
  /// The constructor arguments as a JSON object by Keras name (get_config), which schedule_from_config reads back;
  /// "null" by default: save_model refuses such a schedule, and a checkpoint records only its type.
  virtual std::string config() const { return "null"; }
};

/// A new schedule of `type` from its config() JSON; an unknown type, field or bad value is a ValueError naming it.
std::shared_ptr<const LearningRateSchedule> schedule_from_config(const std::string& type, const std::string& config);
/// Every type schedule_from_config makes, sorted.
std::vector<std::string> known_schedules();

/// initial · factor^⌊step / step_size⌋ (PyTorch's StepLR).
class StepDecay : public LearningRateSchedule {
 public:
  StepDecay(double initial, int64_t step_size, double factor = 0.1);
  double lr(int64_t step) const override;
  std::string type() const override { return "StepDecay"; }
  std::string config() const override;

 private:
  double initial_;
  int64_t step_size_;
  double factor_;
};

/// values[i] while boundaries[i−1] < step ≤ boundaries[i]; values has one more entry than boundaries (Keras' PiecewiseConstantDecay).
class PiecewiseConstant : public LearningRateSchedule {
 public:
  PiecewiseConstant(std::vector<int64_t> boundaries, std::vector<double> values);
  double lr(int64_t step) const override;
  std::string type() const override { return "PiecewiseConstantDecay"; }
  std::string config() const override;

 private:
  std::vector<int64_t> boundaries_;
  std::vector<double> values_;
};

/// initial · rate^(step / decay_steps), the exponent floored when staircase.
class ExponentialDecay : public LearningRateSchedule {
 public:
  ExponentialDecay(double initial, int64_t decay_steps, double decay_rate, bool staircase = false);
  double lr(int64_t step) const override;
  std::string type() const override { return "ExponentialDecay"; }
  std::string config() const override;

 private:
  double initial_;
  int64_t decay_steps_;
  double decay_rate_;
  bool staircase_;
};

/// initial · ((1 − α)·½(1 + cos(π·min(step, decay_steps)/decay_steps)) + α).
class CosineDecay : public LearningRateSchedule {
 public:
  CosineDecay(double initial, int64_t decay_steps, double alpha = 0.0);
  double lr(int64_t step) const override;
  std::string type() const override { return "CosineDecay"; }
  std::string config() const override;

 private:
  double initial_;
  int64_t decay_steps_;
  double alpha_;
};

/// Keras' ReduceLROnPlateau settings (mode "auto": "max" when the monitor's name contains "acc", else "min").
struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  std::string mode = "auto";
  double min_delta = 1e-4;
  int cooldown = 0;
  double min_lr = 0.0;
};

/// Multiplies the learning rate by `factor` after `patience` epochs without improvement, then waits `cooldown` epochs.
class PlateauDecay {
 public:
  explicit PlateauDecay(ReduceLROnPlateauOptions options = {});
  /// Feeds one epoch's monitored value and the current learning rate; returns the lowered rate when it lowers it.
  std::optional<double> on_epoch_end(double monitored_value, double lr);
  /// Forgets the best value and the counters (Keras calls this at the start of training).
  void reset();

  const ReduceLROnPlateauOptions& options() const { return options_; }
  /// True when lower is better.
  bool minimizing() const { return minimize_; }
  double best() const { return best_; }
  int wait() const { return wait_; }

 private:
  bool improved(double value) const;

  ReduceLROnPlateauOptions options_;
  bool minimize_ = true;
  double best_ = std::numeric_limits<double>::infinity();
  int wait_ = 0;
  int cooldown_counter_ = 0;
};

}  // namespace nn
