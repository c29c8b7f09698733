// Data-parallel speed (docs/distributed.md, docs/performance.md), run by bench/dist_run.sh:
//   dist_bench train MODEL THREADS STEPS     samples/s of fit at global batch 128 (under mpirun: DataParallel)
//   dist_bench allreduce REPEATS            per size 1-64 MB: GradientBuckets vs one bare MPI_Allreduce
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

// Median seconds of f over `repeats` runs, every rank starting together.
template <class F>
double timed(const distributed::Context& ctx, int repeats, F f) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    MPI_Barrier(ctx.communicator());
    const auto t0 = bench::Clock::now();
    f();
    t.push_back(bench::seconds_since(t0));
  }
  return bench::median_of(t);
}

void allreduce(const distributed::Context& ctx, int repeats) {
  for (int64_t mb : {1, 4, 16, 64}) {
    // Gradients as a model holds them: tensors of 1 MB (f32), one bucket per 25 MB.
    NamedParams params;
    for (int64_t k = 0; k < mb; ++k) {
      autodiff::Var p(autodiff::ones({1 << 18}), true);
      p.set_grad(autodiff::ones({1 << 18}));
      params.emplace_back("p" + std::to_string(k), p);
    }
    distributed::GradientBuckets buckets(ctx.communicator(), params);  // laid out once, as DataParallel does
    const double ours = timed(ctx, repeats, [&] {
      buckets.begin(1.0 / ctx.size());
      for (const auto& [name, p] : params) buckets.on_leaf_grad(p);
      buckets.finish();
    });
    std::vector<float> bare(size_t(mb) << 18, 1.0f);
    const double mpi = timed(ctx, repeats, [&] {
      MPI_Allreduce(MPI_IN_PLACE, bare.data(), int(bare.size()), MPI_FLOAT, MPI_SUM, ctx.communicator());
    });
    const double nonblocking = timed(ctx, repeats, [&] {
      MPI_Request r;
      MPI_Iallreduce(MPI_IN_PLACE, bare.data(), int(bare.size()), MPI_FLOAT, MPI_SUM, ctx.communicator(), &r);
      MPI_Wait(&r, MPI_STATUS_IGNORE);
    });
    if (ctx.is_chief())
      std::printf("{\"bench\": \"allreduce\", \"mb\": %lld, \"ranks\": %d, \"buckets_ms\": %.3f, \"mpi_ms\": %.3f, "
                  "\"iallreduce_ms\": %.3f, \"overhead\": %.4f}\n",
                  (long long)mb, ctx.size(), 1e3 * ours, 1e3 * mpi, 1e3 * nonblocking, ours / mpi - 1);
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
