// Gradient checkpointing's trade (issue 16): peak tensor memory (the allocator's high-water mark over one
// training step) and the process's peak RSS, and the step's time, with and without checkpointing, for
//   lstm T      LSTM(128) over T steps of 28 features, Dense(10) softmax, batch 32, nn::remat on the LSTM
//   resmlp      16 residual blocks x + relu(x·W1)·W2 of width 256, batch 2048, autodiff::checkpoint per block
// Each configuration runs in a process of its own, so peak RSS is its own:
//   remat_bench [all]                    every configuration, one JSON line each
//   remat_bench lstm T on|off | resmlp on|off    one
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "nn/nn.hpp"

namespace {

using autodiff::Tensor;
using autodiff::Var;

struct Measure {
  double peak_mb = 0, step_ms = 0;
};

// The median step time over `steps` steps and the allocator's high-water mark over the last one.
template <class Step>
Measure measure(int steps, Step step) {
  step();  // warm-up: caches, lazy builds
  std::vector<double> t;
  for (int i = 0; i < steps; ++i) {
    autodiff::empty_cache();
    autodiff::reset_peak_bytes();
    const auto t0 = bench::Clock::now();
    step();
    t.push_back(bench::seconds_since(t0));
  }
  return {double(autodiff::peak_bytes()) / (1 << 20), 1e3 * bench::median_of(t)};
}

Measure lstm(int64_t time, bool remat) {
  autodiff::manual_seed(0);
  nn::Sequential m;
  nn::LSTM layer(128, {.input_shape = autodiff::Shape{time, 28}});
  layer.set_remat(remat);
  m.add(layer);
  m.add(nn::Dense(10, {.activation = "softmax"}));
  m.compile("categorical_crossentropy", nn::Adam(1e-3));
  autodiff::Generator gen(1);
  const Tensor x = autodiff::rand({32, time, 28}, gen);
  std::vector<int64_t> labels(32);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = int64_t(i % 10);
  const Tensor y = autodiff::one_hot(labels, 10);
  return measure(time >= 1000 ? 3 : 5, [&] { m.train_on_batch(x, y); });
}

Measure resmlp(bool remat) {
  autodiff::Generator gen(2);
  const int64_t width = 256, blocks = 16;
  std::vector<Var> weights;
  for (int64_t i = 0; i < 2 * blocks; ++i)
    weights.emplace_back((Var(autodiff::randn({width, width}, gen)) * 0.03).value(), true);
  const Tensor x0 = autodiff::randn({2048, width}, gen);
  const autodiff::CheckpointFn block = [](const std::vector<Var>& in) {
    return in[0] + matmul(relu(matmul(in[0], in[1])), in[2]);
  };
  return measure(5, [&] {
    Var x(x0);
    for (int64_t b = 0; b < blocks; ++b) {
      const std::vector<Var> in{x, weights[size_t(2 * b)], weights[size_t(2 * b + 1)]};
      x = remat ? autodiff::checkpoint(block, in) : block(in);
    }
    autodiff::backward(autodiff::sum(x * x));
    for (const Var& w : weights) w.zero_grad();
  });
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024;  // Linux: kilobytes
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "all") {
    const std::string self = argv[0];
    int status = 0;
    for (const char* config : {"lstm 28", "lstm 256", "lstm 1000"})
      for (const char* mode : {"off", "on"}) status |= std::system((self + " " + config + " " + mode).c_str());
    for (const char* mode : {"off", "on"}) status |= std::system((self + " resmlp " + mode).c_str());
    return status == 0 ? 0 : 1;
  }
  autodiff::set_num_threads(1);
  const bool on = args.back() == "on";
  Measure m;
  std::string name;
  if (args[0] == "lstm" && args.size() == 3) {
    m = lstm(std::atoll(args[1].c_str()), on);
    name = "lstm/t" + args[1];
  } else if (args[0] == "resmlp" && args.size() == 2) {
    m = resmlp(on);
    name = "resmlp16";
  } else {
    std::fprintf(stderr, "usage: remat_bench [all] | lstm T on|off | resmlp on|off\n");
    return 2;
  }
  std::printf("{\"bench\": \"remat\", \"workload\": \"%s\", \"remat\": %s, \"peak_tensor_mb\": %.1f, "
              "\"peak_rss_mb\": %.1f, \"step_ms\": %.2f}\n",
              name.c_str(), on ? "true" : "false", m.peak_mb, peak_rss_mb(), m.step_ms);
  return 0;
}
