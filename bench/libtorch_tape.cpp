// LibTorch's side of bench/tape_bench.cpp: the same chain of element-wise ops
// (x·1.0001, x+0.5, tanh, repeating) on a tiny tensor that requires grad,
// forward with autograd recording (fwd) and forward + backward (fwd_bwd), µs per op.
//   libtorch_tape [--ops N] [--threads N] [--repeats R] [--json PATH|-]
#include <torch/torch.h>

#include "bench/bench_common.hpp"

namespace {

torch::Tensor chain(torch::Tensor x, int64_t ops) {
  for (int64_t i = 0; i < ops; ++i) {
    switch (i % 3) {
      case 0: x = x * 1.0001; break;
      case 1: x = x + 0.5; break;
      default: x = torch::tanh(x); break;
    }
  }
  return x;
}

double us_per_op(int64_t n, int64_t ops, bool backward, int repeats) {
  const torch::Tensor x = torch::full({n}, 0.1, torch::requires_grad());
  auto once = [&] {
    const torch::Tensor y = chain(x, ops).sum();
    if (backward) y.backward();
  };
  once();
  auto t0 = bench::Clock::now();
  once();
  const int iters = std::max(1, int(0.05 / std::max(bench::seconds_since(t0), 1e-7)));
  std::vector<double> us;
  for (int r = 0; r < repeats; ++r) {
    t0 = bench::Clock::now();
    for (int i = 0; i < iters; ++i) once();
    us.push_back(bench::seconds_since(t0) * 1e6 / double(iters * ops));
  }
  return bench::median_of(us);
}

}  // namespace

int main(int argc, char** argv) try {
  const bench::Flags flags(argc, argv, {{"ops", "1000"}, {"threads", "1"}, {"repeats", "5"}, {"json", ""}});
  const int threads = int(flags.integer("threads"));
  const int64_t ops = flags.integer("ops");
  const int repeats = int(std::max<int64_t>(1, flags.integer("repeats")));
  torch::set_num_threads(threads);
  std::vector<bench::Row> rows;
  for (const bool backward : {false, true})
    for (const int64_t n : {1, 64})
      rows.push_back({fmt::format("tape/{}/n{}", backward ? "fwd_bwd" : "fwd", n), threads, n,
                      us_per_op(n, ops, backward, repeats), "us/op"});
  bench::emit(rows, flags.str("json"));
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "libtorch_tape: {}\n", e.what());
  return 1;
}
