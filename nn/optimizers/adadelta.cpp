#include "nn/optimizers/adadelta.hpp"

#include <cmath>

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using detail::as;

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

}  // namespace nn
