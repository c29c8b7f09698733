#include <cmath>

#include "nn/optimizers/adam.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

namespace {
void check_adam(const AdamOptions& o, std::string_view op) {
  check<ValueError>(o.beta_1 >= 0 && o.beta_1 < 1 && o.beta_2 >= 0 && o.beta_2 < 1,
                    "{}: beta_1 and beta_2 must be in [0, 1); got {} and {}", op, o.beta_1, o.beta_2);
  check<ValueError>(o.epsilon >= 0 && o.weight_decay >= 0, "{}: epsilon and weight_decay must be >= 0; got {} and {}",
                    op, o.epsilon, o.weight_decay);
}
}  // namespace

Adam::Adam(AdamOptions options) : Optimizer(options.lr), options_(options) { check_adam(options_, "Adam"); }

Adam::Adam(double lr, double beta_1, double beta_2, double epsilon)
    : Adam(AdamOptions{.lr = lr, .beta_1 = beta_1, .beta_2 = beta_2, .epsilon = epsilon}) {}

void Adam::update(const Var& param, const Tensor& g, Slots& slots) {
  adam_update(param, g, slots, options_.weight_decay);
}

void Adam::adam_update(const Var& param, const Tensor& g, Slots& slots, double weight_decay) {
  const AdamOptions& o = options_;
  // Keras folds both bias corrections into the step size (the ε placement follows from it).
  const double t = static_cast<double>(iterations() + 1);
  const double alpha = step_lr() * std::sqrt(1.0 - std::pow(o.beta_2, t)) / (1.0 - std::pow(o.beta_1, t));
  Tensor& m = slot(slots, "m", param);
  Tensor& v = slot(slots, "v", param);
  const auto step = [=](auto& p, auto gi, auto& mi, auto& vi, auto& vhat) {
    using T = std::remove_reference_t<decltype(p)>;
    gi += static_cast<T>(weight_decay) * p;
    mi += (gi - mi) * static_cast<T>(1 - o.beta_1);
    vi += (gi * gi - vi) * static_cast<T>(1 - o.beta_2);
    if (o.amsgrad) vhat = std::max(vhat, vi);
    const T denom = o.amsgrad ? vhat : vi;
    p -= static_cast<T>(alpha) * mi / (std::sqrt(denom) + static_cast<T>(o.epsilon));
  };
  // Without amsgrad the v̂ argument is a dummy: pass v again, the lambda never writes it.
  Tensor& vhat = o.amsgrad ? slot(slots, "vhat", param) : v;
  detail::for_each_element(param.value(), g, step, m, v, vhat);
}

AdamW::AdamW(AdamWOptions o)
    : Adam(AdamOptions{.lr = o.lr, .beta_1 = o.beta_1, .beta_2 = o.beta_2, .epsilon = o.epsilon, .amsgrad = o.amsgrad}),
      weight_decay_(o.weight_decay) {
  check<ValueError>(o.weight_decay >= 0, "AdamW: weight_decay must be >= 0; got {}", o.weight_decay);
}

AdamW::AdamW(double lr, double weight_decay) : AdamW(AdamWOptions{.lr = lr, .weight_decay = weight_decay}) {}

void AdamW::update(const Var& param, const Tensor& g, Slots& slots) {
  // Decoupled (Loshchilov & Hutter): the decay never enters m or v. Keras applies it first, scaled by lr.
  const double decay = step_lr() * weight_decay_;
  detail::for_each_element(param.value(), g, [decay](auto& p, auto) {
    p -= static_cast<std::remove_reference_t<decltype(p)>>(decay) * p;
  });
  adam_update(param, g, slots, 0.0);
}

}  // namespace nn
