// Differentiates a small function through the installed library and checks the result.
#include <cstdio>

#include "autodiff/autodiff.hpp"
#include "distributed/context.hpp"
#include "nn/module.hpp"
#include "nn/training/strategy.hpp"

int main() {
  using namespace autodiff;
  Var x(Tensor::from({1.0, 2.0}, {2}, DType::f64), true);
  backward(sum(x * x));  // d/dx Σx² = 2x
  const auto g = x.grad().to_vector();
  std::printf("grad = [%g, %g]\n", g[0], g[1]);
  // Wengert::distributed links (Boost.MPI, Open MPI) without starting MPI here.
  const auto [begin, end] = nn::shard_rows(5, 1, 2);
  std::printf("launched by mpirun: %d, rank 1 of 2 takes rows [%lld, %lld) of 5\n", distributed::launched_by_mpirun(),
              static_cast<long long>(begin), static_cast<long long>(end));
  return g[0] == 2.0 && g[1] == 4.0 && begin == 3 && end == 5 ? 0 : 1;
}
