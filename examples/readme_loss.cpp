// The README's example, compiled and run as a test so the README stays true.
#include "autodiff/autodiff.hpp"
using namespace autodiff;

// Smooth L1: quadratic near zero, linear beyond; written with ops, no gradient by hand.
Var smooth_l1(const Var& pred, const Var& target) {
  const Var d = pred - target, a = abs(d);
  return mean(where(lt(a, scalar_like(1.0, a)), 0.5 * d * d, a - 0.5));
}

int main() {
  Generator gen(42);
  Var pred(randn({4, 3}, gen, DType::f64), /*requires_grad=*/true);
  Var target(randn({4, 3}, gen, DType::f64));
  backward(smooth_l1(pred, target));            // dL/dpred lands in pred.grad()
  fmt::print("{}\n", pred.grad());
  const Function f = [&](const std::vector<Var>& in) { return smooth_l1(in[0], target); };
  return gradcheck(f, {pred.value()}) ? 0 : 1;  // finite differences in f64 agree
}
