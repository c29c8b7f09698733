// Differentiates a small function through the installed library and checks the result.
#include <cstdio>

#include "autodiff/autodiff.hpp"
#include "nn/module.hpp"

int main() {
  using namespace autodiff;
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  backward(sum(x * x));  // d/dx Σx² = 2x
  const auto g = x.grad().to_vector();
  std::printf("grad = [%g, %g]\n", g[0], g[1]);
  return g[0] == 2.0 && g[1] == 4.0 ? 0 : 1;
}
