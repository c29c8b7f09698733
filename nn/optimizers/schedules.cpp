#include "nn/optimizers/schedules.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "autodiff/error.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using nlohmann::json;

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

std::string StepDecay::config() const {
  return json{{"initial_learning_rate", initial_}, {"step_size", step_size_}, {"factor", factor_}}.dump();
}

std::string PiecewiseConstant::config() const { return json{{"boundaries", boundaries_}, {"values", values_}}.dump(); }

std::string ExponentialDecay::config() const {
  return json{{"initial_learning_rate", initial_},
              {"decay_steps", decay_steps_},
              {"decay_rate", decay_rate_},
              {"staircase", staircase_}}
      .dump();
}

std::string CosineDecay::config() const {
  return json{{"initial_learning_rate", initial_}, {"decay_steps", decay_steps_}, {"alpha", alpha_}}.dump();
}

namespace {

// One schedule's config fields: each read once and type-checked, and no field left unread.
class Fields {
 public:
  Fields(const std::string& type, const std::string& text) : type_(type) {
    try {
      j_ = json::parse(text);
    } catch (const json::exception& e) {
      fail(fmt::format("the config is not JSON: {}", e.what()));
    }
    if (!j_.is_object()) fail(fmt::format("the config must be an object; got {}", j_.type_name()));
  }
  template <class T>
  T get(const std::string& key) {
    if (!j_.contains(key)) fail(fmt::format("missing field '{}'", key));
    used_.insert(key);
    try {
      // nlohmann converts any number to any number; a fraction where an integer belongs is an error.
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
        if (!j_.at(key).is_number_integer()) fail(fmt::format("'{}' must be an integer", key));
      return j_.at(key).get<T>();
    } catch (const json::exception& e) {
      fail(fmt::format("field '{}': {}", key, e.what()));
    }
  }
  void check_all_read() const {
    for (const auto& [key, v] : j_.items())
      if (!used_.contains(key)) fail(fmt::format("unknown field '{}'", key));
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ValueError(fmt::format("schedule_from_config: {}: {}", type_, what));
  }
  std::string type_;
  json j_;
  std::set<std::string> used_;
};

template <class S, class... Args>
std::shared_ptr<const LearningRateSchedule> made(Fields& f, Args&&... args) {
  auto s = std::make_shared<const S>(std::forward<Args>(args)...);
  f.check_all_read();
  return s;
}

}  // namespace

std::shared_ptr<const LearningRateSchedule> schedule_from_config(const std::string& type, const std::string& config) {
  Fields f(type, config);
  // Arguments are read into locals first: their order in a call is unspecified, and errors should name the first.
  if (type == "StepDecay") {
    const double initial = f.get<double>("initial_learning_rate");
    const auto step_size = f.get<int64_t>("step_size");
    return made<StepDecay>(f, initial, step_size, f.get<double>("factor"));
  }
  if (type == "PiecewiseConstantDecay") {
    auto boundaries = f.get<std::vector<int64_t>>("boundaries");
    return made<PiecewiseConstant>(f, std::move(boundaries), f.get<std::vector<double>>("values"));
  }
  if (type == "ExponentialDecay") {
    const double initial = f.get<double>("initial_learning_rate");
    const auto steps = f.get<int64_t>("decay_steps");
    const double rate = f.get<double>("decay_rate");
    return made<ExponentialDecay>(f, initial, steps, rate, f.get<bool>("staircase"));
  }
  if (type == "CosineDecay") {
    const double initial = f.get<double>("initial_learning_rate");
    const auto steps = f.get<int64_t>("decay_steps");
    return made<CosineDecay>(f, initial, steps, f.get<double>("alpha"));
  }
  throw ValueError(fmt::format("schedule_from_config: unknown schedule type '{}'; known: {}", type,
                               fmt::join(known_schedules(), ", ")));
}

std::vector<std::string> known_schedules() {
  return {"CosineDecay", "ExponentialDecay", "PiecewiseConstantDecay", "StepDecay"};
}

PlateauDecay::PlateauDecay(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
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

void PlateauDecay::reset() {
  const auto& o = options_;
  minimize_ = o.mode == "min" || (o.mode == "auto" && o.monitor.find("acc") == std::string::npos);
  best_ = minimize_ ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  wait_ = 0;
  cooldown_counter_ = 0;
}

bool PlateauDecay::improved(double value) const {
  return minimize_ ? value < best_ - options_.min_delta : value > best_ + options_.min_delta;
}

std::optional<double> PlateauDecay::on_epoch_end(double monitored_value, double lr) {
  // Keras' order: leave cooldown first, so the epoch that ends it may already count.
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    wait_ = 0;
  }
  if (improved(monitored_value)) {
    best_ = monitored_value;
    wait_ = 0;
    return std::nullopt;
  }
  if (cooldown_counter_ > 0 || ++wait_ < options_.patience) return std::nullopt;
  // Keras compares against min_lr rounded to float32, so a float32 lr at min_lr stops.
  if (!(lr > static_cast<double>(static_cast<float>(options_.min_lr)))) return std::nullopt;
  cooldown_counter_ = options_.cooldown;
  wait_ = 0;
  return std::max(lr * options_.factor, options_.min_lr);
}

}  // namespace nn
