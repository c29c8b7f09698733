#include "nn/optimizers/sgd.hpp"

#include <cmath>

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using detail::as;

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

}  // namespace nn
