// MultiHeadAttention forward + backward, self-attention on [batch, tokens, dim] in float32: the attention block
// of the MNIST Transformer (28 tokens × 64 dims, 4 heads of 16, batch 128). Prints the median of --reps runs;
// bench/torch_attention.py times torch.nn.MultiheadAttention on the same shapes.
#include "autodiff/kernels/parallel.hpp"
#include "bench/bench_common.hpp"
#include "nn/nn.hpp"

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv, {{"batch", "128"}, {"tokens", "28"}, {"dim", "64"}, {"heads", "4"},
                                        {"threads", "2"}, {"reps", "50"}, {"causal", "0"}});
  autodiff::set_num_threads(int(flags.integer("threads")));
  const int64_t b = flags.integer("batch"), t = flags.integer("tokens"), d = flags.integer("dim");
  const int64_t heads = flags.integer("heads");
  nn::MultiHeadAttention layer(heads, d / heads, {.use_causal_mask = flags.integer("causal") != 0});
  const autodiff::Tensor x = autodiff::randn({b, t, d});
  const autodiff::Tensor g = autodiff::randn({b, t, d});
  std::vector<double> times;
  for (int64_t rep = 0; rep < flags.integer("reps") + 5; ++rep) {
    const autodiff::TapeScope tape;
    const auto t0 = bench::Clock::now();
    const autodiff::Var xv(x, true);
    autodiff::backward(autodiff::sum(layer(xv) * autodiff::Var(g)));
    if (rep >= 5) times.push_back(bench::seconds_since(t0));
  }
  // The minimum too: on a shared machine it is the steadier of the two.
  fmt::print("multi_head_attention fwd+bwd [{}, {}, {}] heads {} threads {}: {:.3f} ms median, {:.3f} ms min of {}\n",
             b, t, d, heads, flags.integer("threads"), 1e3 * bench::median_of(times),
             1e3 * *std::min_element(times.begin(), times.end()), times.size());
}
