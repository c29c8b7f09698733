// Data-parallel speed (docs/distributed.md, docs/performance.md), run by bench/dist_run.sh:
//   dist_bench train MODEL THREADS STEPS     samples/s of fit at global batch 128 (under mpirun: DataParallel)
//   dist_bench allreduce REPEATS            per size 1-64 MB: GradientBuckets vs one bare MPI_Allreduce, alternated
// Prints one JSON object per line on rank 0. Synthetic data: speed does not depend on the pixels.
#include <mpi.h>

#include <cstdio>
#include <cstring>

#include "bench/bench_common.hpp"
#include "bench/reference_models.hpp"
#include "distributed/buckets.hpp"
#include "distributed/data_parallel.hpp"
#include "nn/nn.hpp"

using namespace nn;

namespace {

void train(const std::string& name, int threads, int64_t steps, const distributed::Context* ctx) {
  autodiff::set_num_threads(threads);
  const int64_t batch = 128, n = steps * batch;
  autodiff::Generator gen(1);
  std::vector<int64_t> batch_shape{n};
  for (int64_t d : bench::sample_shape(name).vec()) batch_shape.push_back(d);
  const Tensor x = autodiff::rand(Shape(batch_shape), gen);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(i % 10);
  const Tensor y = autodiff::one_hot(labels, 10, autodiff::DType::f32);
  autodiff::manual_seed(0);
  auto model = bench::reference_model(name);
  std::shared_ptr<Strategy> s;
  if (ctx) s = std::make_shared<distributed::DataParallel>(*ctx);
  FitOptions o{.batch_size = batch, .epochs = 1, .verbose = 0, .seed = 0, .strategy = s};
  model->fit(x, y, o);  // warm-up pass
  std::vector<double> rates;
  for (int r = 0; r < 3; ++r) {
    if (ctx) MPI_Barrier(ctx->communicator());
    const auto t0 = bench::Clock::now();
    o.seed = uint64_t(r + 1);
    model->fit(x, y, o);
    rates.push_back(double(n) / bench::seconds_since(t0));
  }
  if (!ctx || ctx->is_chief())
    std::printf("{\"bench\": \"train\", \"model\": \"%s\", \"ranks\": %d, \"threads\": %d, \"samples_per_s\": %.1f, "
                "\"step_ms\": %.3f}\n",
                name.c_str(), ctx ? ctx->size() : 1, threads, bench::median_of(rates),
                1e3 * batch / bench::median_of(rates));
}

// Seconds of one call of f, every rank starting together.
template <class F>
double once(const distributed::Context& ctx, F f) {
  MPI_Barrier(ctx.communicator());
  const auto t0 = bench::Clock::now();
  f();
  return bench::seconds_since(t0);
}

// Per size, the same bytes three ways, each warmed up once, then `repeats` rounds alternating them (medians):
//   buckets: what a DataParallel step pays beyond backward when backward wrote each gradient into its bucket
//            (GradOptions::leaf_grad_out): the hooks, the collectives, the waits, the grads set to views;
//   copied:  the same when each gradient is a tensor of its own (a VJP that cannot write in place): + one copy;
//   bare:    one MPI_Allreduce over a buffer of the same bytes.
void allreduce(const distributed::Context& ctx, int repeats) {
  for (int64_t mb : {1, 4, 16, 64}) {
    // Gradients as a model holds them: tensors of 1 MB (f32), one bucket per 25 MB.
    NamedParams params;
    std::vector<autodiff::Tensor> own;  // a gradient tensor of each parameter's own, for `copied`
    for (int64_t k = 0; k < mb; ++k) {
      params.emplace_back("p" + std::to_string(k), autodiff::Var(autodiff::ones({1 << 18}), true));
      own.push_back(autodiff::ones({1 << 18}));
    }
    distributed::GradientBuckets buckets(ctx.communicator(), params);  // laid out once, as DataParallel does
    const auto step = [&] {
      buckets.begin(1.0 / ctx.size());
      for (const auto& [name, p] : params) buckets.on_leaf_grad(p);
      buckets.finish();
    };
    std::vector<float> bare(size_t(mb) << 18, 1.0f);
    const auto mpi = [&] {
      MPI_Allreduce(MPI_IN_PLACE, bare.data(), int(bare.size()), MPI_FLOAT, MPI_SUM, ctx.communicator());
    };
    std::vector<double> ours, copied, plain;
    for (int r = -1; r < repeats; ++r) {  // round -1 warms each up
      for (const auto& [name, p] : params) p.set_grad(buckets.destination(p));  // where backward leaves them
      const double a = once(ctx, step);
      for (size_t k = 0; k < own.size(); ++k) params[k].second.set_grad(own[k]);
      const double b = once(ctx, step);
      const double c = once(ctx, mpi);
      if (r < 0) continue;
      ours.push_back(a);
      copied.push_back(b);
      plain.push_back(c);
    }
    const double o = bench::median_of(ours), m = bench::median_of(plain);
    if (ctx.is_chief())
      std::printf("{\"bench\": \"allreduce\", \"mb\": %lld, \"ranks\": %d, \"buckets_ms\": %.3f, "
                  "\"copied_ms\": %.3f, \"mpi_ms\": %.3f, \"overhead\": %.4f}\n",
                  (long long)mb, ctx.size(), 1e3 * o, 1e3 * bench::median_of(copied), 1e3 * m, o / m - 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "train" && argc == 5) {
    std::unique_ptr<distributed::Context> ctx;
    if (distributed::launched_by_mpirun()) ctx = std::make_unique<distributed::Context>();
    train(argv[2], std::atoi(argv[3]), std::atoll(argv[4]), ctx.get());
    return 0;
  }
  if (mode == "allreduce" && argc == 3) {
    const distributed::Context ctx;
    allreduce(ctx, std::atoi(argv[2]));
    return 0;
  }
  std::fprintf(stderr, "usage: dist_bench train mlp|cnn|lstm THREADS STEPS | dist_bench allreduce REPEATS\n");
  return 2;
}
