#pragma once
// Optimizers update named parameters in place from their accumulated gradients.
// Keras style: pass one to Model::compile. Own loop: add_params, then
// backward(loss); opt.step(); opt.zero_grad().
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "autodiff/autodiff.hpp"
#include "nn/optimizers/schedules.hpp"

namespace nn {

using autodiff::Tensor;
using autodiff::Var;

using NamedParams = std::vector<std::pair<std::string, Var>>;
/// One parameter's optimizer state: slot name ("m", "v", "momentum", ...) → tensor of the parameter's shape.
using Slots = std::map<std::string, Tensor>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// The optimizer's name for summaries ("SGD", "Adam", ...).
  virtual std::string type() const = 0;
  /// Registers parameters to update (a model's named_parameters()); a name registered twice is a ValueError.
  void add_params(const NamedParams& params);
  const NamedParams& params() const { return params_; }
  /// One update of every registered parameter that has a gradient: clip by value, then by global norm, then update.
  void step();
  /// Clears the gradients of every registered parameter.
  void zero_grad();

  /// The learning rate of the next step: the schedule's value at iterations() when one is set.
  double learning_rate() const;
  /// Sets a constant learning rate; a ValueError while a schedule is set (as in Keras).
  void set_learning_rate(double lr);
  /// From now on the learning rate of step t (0-based) is schedule.lr(t).
  void set_schedule(std::shared_ptr<const LearningRateSchedule> schedule);
  template <class S>
    requires std::derived_from<S, LearningRateSchedule>
  void set_schedule(S schedule) {
    set_schedule(std::shared_ptr<const LearningRateSchedule>(std::make_shared<S>(std::move(schedule))));
  }
  /// Back to the constant learning rate.
  void clear_schedule() { schedule_.reset(); }
  const std::shared_ptr<const LearningRateSchedule>& schedule() const { return schedule_; }
  /// Number of steps taken.
  int64_t iterations() const { return iterations_; }
  /// The state slots of one parameter, or null before its first update.
  const Slots* slots(const std::string& param_name) const;
  /// Restores one parameter's slots and the step count, as a checkpoint saved them (slots() and iterations()).
  void set_slots(const std::string& param_name, Slots slots) { state_[param_name] = std::move(slots); }
  void set_iterations(int64_t iterations) { iterations_ = iterations; }

  /// Gradient clipping: each element to [−v, v] (0: off). Keras' clipvalue.
  double clip_value = 0;
  /// Gradient clipping: all gradients rescaled so their global L2 norm is at most this (0: off). Keras' global_clipnorm.
  double clip_norm = 0;

 protected:
  explicit Optimizer(double lr);
  /// Updates one parameter in place from its gradient g (contiguous, same shape and dtype); slots are this parameter's.
  virtual void update(const Var& param, const Tensor& g, Slots& slots) = 0;
  /// The learning rate of the step in progress.
  double step_lr() const { return step_lr_; }
  /// The slot `name` of this parameter, created filled with `init` on first use.
  static Tensor& slot(Slots& slots, const std::string& name, const Var& param, double init = 0.0);

 private:
  std::vector<Tensor> clipped_gradients(const std::vector<Tensor>& grads) const;

  NamedParams params_;
  std::map<std::string, Slots> state_;  // parameter name → its slots
  std::shared_ptr<const LearningRateSchedule> schedule_;
  double lr_;
  double step_lr_ = 0;
  int64_t iterations_ = 0;
};

namespace detail {
/// A hyperparameter in the parameter's element type.
template <class T>
T as(double v) {
  return static_cast<T>(v);
}

/// Runs f(p[i], g[i], slot_0[i], ...) over every element (in parallel for large tensors), in the tensors' element type.
template <class F, class... Slot>
void for_each_element(const Tensor& p, const Tensor& g, F f, const Slot&... slots) {
  autodiff::dispatch(p.dtype(), [&]<class T>(T) {
    T* pp = p.data<T>();
    const T* gp = g.data<T>();
    const auto sp = std::make_tuple(slots.template data<T>()...);
    autodiff::kernels::parallel_for(p.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
      std::apply(
          [&](auto*... s) {
            for (int64_t i = begin; i < end; ++i) f(pp[i], gp[i], s[i]...);
          },
          sp);
    });
  });
}
}  // namespace detail

}  // namespace nn
