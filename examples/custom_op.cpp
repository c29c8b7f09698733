// A user-defined primitive, softsign y = x / (1 + |x|), with its
// own forward and backward. The backward is written with autodiff ops, so
// gradcheck, gradgradcheck (create_graph) and graph export all work with it.
#include <fmt/core.h>

#include <iostream>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

// The contract: a name, forward on Tensors, backward on Vars returning one gradient per input.
struct Softsign {
  static constexpr std::string_view name = "softsign";
  Tensor forward(const Tensor& x) {
    return map(x, [](auto v) { return v / (1 + std::abs(v)); });
  }
  // d/dx x/(1+|x|) = 1/(1+|x|)²
  Grads backward(const Ctx& ctx, const Var& g) const {
    const Var d = 1.0 + abs(ctx.inputs[0]);
    return {g / (d * d)};
  }
};

Var softsign(const Var& x) { return apply(Softsign{}, x); }

int main() {
  const Function f = [](const std::vector<Var>& in) { return sum(softsign(in[0]) * in[0]); };
  const Tensor x = Tensor::from({-1.5, -0.3, 0.4, 2.0}, {4}, DType::f64);

  GradcheckOptions options;
  options.name = "softsign";
  const GradcheckResult first = gradcheck(f, {x}, options);
  const GradcheckResult second = gradgradcheck(f, {x}, options);
  fmt::print("gradcheck: {}\ngradgradcheck: {}\n", first.ok ? "passed" : first.report,
             second.ok ? "passed" : second.report);

  TapeScope scope;
  Var v(x, true);
  v.set_name("x");
  Var y = sum(softsign(v));
  write_dot(std::cout, to_graph(y));
  backward(y);
  fmt::print("dy/dx = {}\n", v.grad());
  return first.ok && second.ok ? 0 : 1;
}
