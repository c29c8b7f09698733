#include "nn/optimizers/optimizer.hpp"

#include <cmath>
#include <set>

namespace nn {

using autodiff::check;
using autodiff::ValueError;

Optimizer::Optimizer(double lr) : lr_(lr) {
  check<ValueError>(lr >= 0 && std::isfinite(lr), "{}: learning rate must be finite and >= 0; got {}", "Optimizer",
                    lr);
}

void Optimizer::add_params(const NamedParams& params) {
  std::set<std::string> names;
  for (const auto& [name, p] : params_) names.insert(name);
  for (const auto& [name, p] : params) {
    check<ValueError>(p.defined(), "add_params: parameter \"{}\" is undefined", name);
    check<ValueError>(names.insert(name).second, "add_params: parameter \"{}\" is already registered", name);
  }
  params_.insert(params_.end(), params.begin(), params.end());
}

void Optimizer::zero_grad() {
  for (const auto& [name, p] : params_) p.zero_grad();
}

double Optimizer::learning_rate() const { return schedule_ ? schedule_->lr(iterations_) : lr_; }

void Optimizer::set_learning_rate(double lr) {
  check<ValueError>(!schedule_, "set_learning_rate: the learning rate follows a schedule; got lr {}", lr);
  check<ValueError>(lr >= 0 && std::isfinite(lr), "set_learning_rate: learning rate must be finite and >= 0; got {}",
                    lr);
  lr_ = lr;
}

void Optimizer::set_schedule(std::shared_ptr<const LearningRateSchedule> schedule) {
  check<ValueError>(schedule != nullptr, "set_schedule: schedule is null");
  schedule_ = std::move(schedule);
}

const Slots* Optimizer::slots(const std::string& param_name) const {
  const auto it = state_.find(param_name);
  return it == state_.end() ? nullptr : &it->second;
}

Tensor& Optimizer::slot(Slots& slots, const std::string& name, const Var& param, double init) {
  auto it = slots.find(name);
  if (it == slots.end()) it = slots.emplace(name, autodiff::full(param.shape(), init, param.dtype())).first;
  return it->second;
}

std::vector<Tensor> Optimizer::clipped_gradients(const std::vector<Tensor>& grads) const {
  std::vector<Tensor> out = grads;
  if (clip_value > 0) {
    const double c = clip_value;
    for (Tensor& g : out) g = autodiff::map(g, [c](auto v) { return v < -c ? -c : (v > c ? c : double(v)); });
  }
  if (clip_norm > 0) {
    double squares = 0;
    for (const Tensor& g : out)
      autodiff::dispatch(g.dtype(), [&]<class T>(T) {
        const T* d = g.data<T>();  // contiguous: step() passes contiguous gradients
        for (int64_t i = 0; i < g.numel(); ++i) squares += static_cast<double>(d[i]) * static_cast<double>(d[i]);
      });
    const double norm = std::sqrt(squares);
    // tf.clip_by_global_norm: scale by clip_norm / max(norm, clip_norm), a no-op below the limit.
    if (norm > clip_norm) {
      const double scale = clip_norm / norm;
      for (Tensor& g : out) g = autodiff::map(g, [scale](auto v) { return v * scale; });
    }
  }
  return out;
}

void Optimizer::step() {
  const autodiff::NoGrad no_grad;
  std::vector<size_t> which;
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& [name, p] = params_[i];
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    check<autodiff::ShapeError>(g.shape() == p.shape(), "{}: gradient of \"{}\" has shape {}, parameter {}", type(),
                                name, g.shape(), p.shape());
    autodiff::check_same_dtype(type(), p.value(), g);
    which.push_back(i);
    grads.push_back(g.contiguous());
  }
  grads = clipped_gradients(grads);
  step_lr_ = learning_rate();
  for (size_t j = 0; j < which.size(); ++j) {
    const auto& [name, p] = params_[which[j]];
    // Updates write through data<T>(), so the value must own a dense buffer.
    if (!p.value().is_contiguous()) p.set_value(p.value().clone());
    update(p, grads[j], state_[name]);
  }
  ++iterations_;
}

}  // namespace nn
