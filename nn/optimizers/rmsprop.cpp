#include "nn/optimizers/rmsprop.hpp"

#include <cmath>

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using detail::as;

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

}  // namespace nn
