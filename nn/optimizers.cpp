#include "nn/optimizers.hpp"

#include <cmath>

namespace nn {

using autodiff::check;
using autodiff::ValueError;

namespace {
template <class T>
T as(double v) {
  return static_cast<T>(v);
}
}  // namespace

SGD::SGD(SGDOptions options) : Optimizer(options.lr), options_(options) {
  check<ValueError>(options_.momentum >= 0 && options_.momentum <= 1 && options_.weight_decay >= 0,
                    "SGD: momentum must be in [0, 1] and weight_decay >= 0; got {} and {}", options_.momentum,
                    options_.weight_decay);
}

SGD::SGD(double lr, double momentum, bool nesterov)
    : SGD(SGDOptions{.lr = lr, .momentum = momentum, .nesterov = nesterov}) {}

void SGD::update(const Var& param, const Tensor& g, Slots& slots) {
  const double lr = step_lr(), m = options_.momentum, wd = options_.weight_decay;
  const bool nesterov = options_.nesterov;
  if (m == 0) {
    detail::for_each_element(param.value(), g, [=]<class T>(T& p, T gi) { p -= as<T>(lr) * (gi + as<T>(wd) * p); });
    return;
  }
  detail::for_each_element(
      param.value(), g,
      [=]<class T>(T& p, T gi, T& v) {
        gi += as<T>(wd) * p;
        v = as<T>(m) * v - as<T>(lr) * gi;
        p += nesterov ? as<T>(m) * v - as<T>(lr) * gi : v;
      },
      slot(slots, "momentum", param));
}

RMSprop::RMSprop(RMSpropOptions options) : Optimizer(options.lr), options_(options) {
  check<ValueError>(options_.rho >= 0 && options_.rho < 1 && options_.momentum >= 0 && options_.epsilon >= 0,
                    "RMSprop: rho must be in [0, 1), momentum and epsilon >= 0; got {}, {} and {}", options_.rho,
                    options_.momentum, options_.epsilon);
}

RMSprop::RMSprop(double lr, double rho, double momentum)
    : RMSprop(RMSpropOptions{.lr = lr, .rho = rho, .momentum = momentum}) {}

void RMSprop::update(const Var& param, const Tensor& g, Slots& slots) {
  const RMSpropOptions o = options_;
  const double lr = step_lr();
  Tensor& s = slot(slots, "velocity", param);
  // Unused slots alias s and are never written: the flags below decide.
  Tensor& avg = o.centered ? slot(slots, "average_gradient", param) : s;
  Tensor& u = o.momentum > 0 ? slot(slots, "momentum", param) : s;
  detail::for_each_element(
      param.value(), g,
      [=]<class T>(T& p, T gi, T& si, T& ai, T& ui) {
        gi += as<T>(o.weight_decay) * p;
        si = as<T>(o.rho) * si + as<T>(1 - o.rho) * gi * gi;
        T denom = si + as<T>(o.epsilon);
        if (o.centered) {
          ai = as<T>(o.rho) * ai + as<T>(1 - o.rho) * gi;
          denom -= ai * ai;
        }
        const T increment = as<T>(lr) * gi / std::sqrt(denom);
        if (o.momentum > 0) {
          ui = as<T>(o.momentum) * ui + increment;
          p -= ui;
        } else {
          p -= increment;
        }
      },
      s, avg, u);
}

Adagrad::Adagrad(AdagradOptions options) : Optimizer(options.lr), options_(options) {
  check<ValueError>(options_.initial_accumulator_value >= 0 && options_.epsilon >= 0,
                    "Adagrad: initial_accumulator_value and epsilon must be >= 0; got {} and {}",
                    options_.initial_accumulator_value, options_.epsilon);
}

Adagrad::Adagrad(double lr) : Adagrad(AdagradOptions{.lr = lr}) {}

void Adagrad::update(const Var& param, const Tensor& g, Slots& slots) {
  const AdagradOptions o = options_;
  const double lr = step_lr();
  detail::for_each_element(
      param.value(), g,
      [=]<class T>(T& p, T gi, T& a) {
        gi += as<T>(o.weight_decay) * p;
        a += gi * gi;
        p -= as<T>(lr) * gi / std::sqrt(a + as<T>(o.epsilon));
      },
      slot(slots, "accumulator", param, o.initial_accumulator_value));
}

Adadelta::Adadelta(AdadeltaOptions options) : Optimizer(options.lr), options_(options) {
  check<ValueError>(options_.rho >= 0 && options_.rho < 1 && options_.epsilon >= 0,
                    "Adadelta: rho must be in [0, 1) and epsilon >= 0; got {} and {}", options_.rho, options_.epsilon);
}

Adadelta::Adadelta(double lr, double rho) : Adadelta(AdadeltaOptions{.lr = lr, .rho = rho}) {}

void Adadelta::update(const Var& param, const Tensor& g, Slots& slots) {
  const AdadeltaOptions o = options_;
  const double lr = step_lr();
  detail::for_each_element(
      param.value(), g,
      [=]<class T>(T& p, T gi, T& acc_grad, T& acc_delta) {
        gi += as<T>(o.weight_decay) * p;
        acc_grad = as<T>(o.rho) * acc_grad + as<T>(1 - o.rho) * gi * gi;
        const T delta = std::sqrt(acc_delta + as<T>(o.epsilon)) / std::sqrt(acc_grad + as<T>(o.epsilon)) * gi;
        acc_delta = as<T>(o.rho) * acc_delta + as<T>(1 - o.rho) * delta * delta;
        p -= as<T>(lr) * delta;
      },
      slot(slots, "accumulated_grad", param), slot(slots, "accumulated_delta", param));
}

std::shared_ptr<Optimizer> make_optimizer(const std::string& name) {
  if (name == "sgd" || name == "SGD") return std::make_shared<SGD>();
  if (name == "adam" || name == "Adam") return std::make_shared<Adam>();
  if (name == "adamw" || name == "AdamW") return std::make_shared<AdamW>();
  if (name == "rmsprop" || name == "RMSprop") return std::make_shared<RMSprop>();
  if (name == "adagrad" || name == "Adagrad") return std::make_shared<Adagrad>();
  if (name == "adadelta" || name == "Adadelta") return std::make_shared<Adadelta>();
  throw ValueError(fmt::format(
      "make_optimizer: unknown optimizer \"{}\"; known: sgd, adam, adamw, rmsprop, adagrad, adadelta", name));
}

}  // namespace nn
