#include "nn/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "autodiff/error.hpp"
#include "nn/optimizer.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

StepDecay::StepDecay(double initial, int64_t step_size, double factor)
    : initial_(initial), step_size_(step_size), factor_(factor) {
  check<ValueError>(step_size > 0, "StepDecay: step_size must be positive; got {}", step_size);
}

double StepDecay::lr(int64_t step) const {
  return initial_ * std::pow(factor_, static_cast<double>(std::max<int64_t>(step, 0) / step_size_));
}

PiecewiseConstant::PiecewiseConstant(std::vector<int64_t> boundaries, std::vector<double> values)
    : boundaries_(std::move(boundaries)), values_(std::move(values)) {
  check<ValueError>(values_.size() == boundaries_.size() + 1,
                    "PiecewiseConstant: need one more value than boundaries; got {} boundaries and {} values",
                    boundaries_.size(), values_.size());
  check<ValueError>(std::is_sorted(boundaries_.begin(), boundaries_.end()),
                    "PiecewiseConstant: boundaries must be increasing; got {} boundaries", boundaries_.size());
}

double PiecewiseConstant::lr(int64_t step) const {
  // The first boundary not below step: step == boundary still takes the earlier value, as in Keras.
  const auto it = std::lower_bound(boundaries_.begin(), boundaries_.end(), step);
  return values_[static_cast<size_t>(it - boundaries_.begin())];
}

ExponentialDecay::ExponentialDecay(double initial, int64_t decay_steps, double decay_rate, bool staircase)
    : initial_(initial), decay_steps_(decay_steps), decay_rate_(decay_rate), staircase_(staircase) {
  check<ValueError>(decay_steps > 0, "ExponentialDecay: decay_steps must be positive; got {}", decay_steps);
}

double ExponentialDecay::lr(int64_t step) const {
  double p = static_cast<double>(step) / static_cast<double>(decay_steps_);
  if (staircase_) p = std::floor(p);
  return initial_ * std::pow(decay_rate_, p);
}

CosineDecay::CosineDecay(double initial, int64_t decay_steps, double alpha)
    : initial_(initial), decay_steps_(decay_steps), alpha_(alpha) {
  check<ValueError>(decay_steps > 0, "CosineDecay: decay_steps must be positive; got {}", decay_steps);
}

double CosineDecay::lr(int64_t step) const {
  const double t = static_cast<double>(std::clamp<int64_t>(step, 0, decay_steps_)) / static_cast<double>(decay_steps_);
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * t));
  return initial_ * ((1.0 - alpha_) * cosine + alpha_);
}

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  check<ValueError>(o.factor < 1.0 && o.factor >= 0.0, "ReduceLROnPlateau: factor must be in [0, 1); got {}",
                    o.factor);
  check<ValueError>(o.mode == "auto" || o.mode == "min" || o.mode == "max",
                    "ReduceLROnPlateau: mode must be \"auto\", \"min\" or \"max\"; got \"{}\"", o.mode);
  check<ValueError>(o.patience >= 0 && o.cooldown >= 0 && o.min_lr >= 0,
                    "ReduceLROnPlateau: patience, cooldown and min_lr must be >= 0; got {}, {} and {}", o.patience,
                    o.cooldown, o.min_lr);
  reset();
}

void ReduceLROnPlateau::reset() {
  const auto& o = options_;
  minimize_ = o.mode == "min" || (o.mode == "auto" && o.monitor.find("acc") == std::string::npos);
  best_ = minimize_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  wait_ = 0;
  cooldown_counter_ = 0;
}

bool ReduceLROnPlateau::improved(double value) const {
  return minimize_ ? value < best_ - options_.min_delta : value > best_ + options_.min_delta;
}

bool ReduceLROnPlateau::on_epoch_end(double monitored_value, Optimizer& optimizer) {
  // Keras' order: leave cooldown first, so the epoch that ends it may already count.
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (improved(monitored_value)) {
    best_ = monitored_value;
    wait_ = 0;
    return false;
  }
  if (cooldown_counter_ > 0 || ++wait_ < options_.patience) return false;
  const double old_lr = optimizer.learning_rate();
  // Keras compares against min_lr rounded to float32, so a float32 lr at min_lr stops.
  if (!(old_lr > static_cast<double>(static_cast<float>(options_.min_lr)))) return false;
  optimizer.set_learning_rate(std::max(old_lr * options_.factor, options_.min_lr));
  cooldown_counter_ = options_.cooldown;
  wait_ = 0;
  return true;
}

}  // namespace nn
