#include "nn/optimizers/adagrad.hpp"

#include <cmath>

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using detail::as;

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

}  // namespace nn
