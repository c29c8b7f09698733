// Checking a user-written loss with the public gradcheck API: a smooth-L1
// (Huber-like) loss on predictions and targets, written with autodiff ops.
#include <fmt/core.h>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

// 0.5·d² where |d| < 1, |d| − 0.5 elsewhere; mean over elements.
Var smooth_l1(const Var& pred, const Var& target) {
  const Var d = pred - target;
  const Var a = abs(d);
  return mean(where(lt(a, scalar_like(1.0, a)), 0.5 * d * d, a - 0.5));
}

int main() {
  Generator gen(42);
  const Tensor target = randn({4, 3}, gen, DType::f64);
  const Tensor pred = randn({4, 3}, gen, DType::f64);

  // The target is a constant captured by the lambda; gradcheck perturbs only pred.
  const Function loss = [&](const std::vector<Var>& in) { return smooth_l1(in[0], Var(target)); };
  GradcheckOptions options;
  options.name = "smooth_l1";
  const GradcheckResult result = gradcheck(loss, {pred}, options);
  fmt::print("{}\n", result.ok ? "smooth_l1: gradcheck passed" : result.report);

  // The same one line works inside a Boost.Test case:  BOOST_TEST(gradcheck(loss, {pred}));
  return result.ok ? 0 : 1;
}
