// Memory bandwidth of our element-wise kernels (a + b, a · b, sum(a)) on large
// f32 tensors against a STREAM-style triad (a = b + s·c over preallocated
// arrays, split statically over the same number of threads) in this binary.
// GB/s counts bytes read + written once (STREAM's convention: no write-allocate).
//   bandwidth_bench [--n FLOATS] [--threads N] [--repeats R] [--json PATH|-]
#include <thread>

#include "autodiff/autodiff.hpp"
#include "bench/bench_common.hpp"

namespace {

template <class F>
double median_gbs(double bytes, int repeats, F&& run) {
  run();
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = bench::Clock::now();
    run();
    rates.push_back(bytes / bench::seconds_since(t0) * 1e-9);
  }
  return bench::median_of(rates);
}

double triad_gbs(int64_t n, int threads, int repeats) {
  std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n), 1.0f), c(static_cast<size_t>(n), 2.0f);
  const float s = 3.0f;
  auto run = [&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const int64_t lo = n * t / threads, hi = n * (t + 1) / threads;
        float* __restrict pa = a.data();
        const float* __restrict pb = b.data();
        const float* __restrict pc = c.data();
        for (int64_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
      });
    for (auto& th : pool) th.join();
  };
  const double gbs = median_gbs(3.0 * 4.0 * double(n), repeats, run);
  if (a[size_t(n / 2)] != 7.0f) throw std::runtime_error("triad: wrong result");
  return gbs;
}

}  // namespace

int main(int argc, char** argv) try {
  const bench::Flags flags(argc, argv, {{"n", "33554432"}, {"threads", "1"}, {"repeats", "5"}, {"json", ""}});
  const int threads = int(flags.integer("threads"));
  const int64_t n = flags.integer("n");
  const int repeats = int(std::max<int64_t>(1, flags.integer("repeats")));
  autodiff::set_num_threads(threads);

  autodiff::NoGrad no_grad;
  const autodiff::Var a(autodiff::full({n}, 1.0)), b(autodiff::full({n}, 2.0));
  autodiff::Var sink;
  const double bytes3 = 3.0 * 4.0 * double(n), bytes1 = 4.0 * double(n);
  std::vector<bench::Row> rows;
  rows.push_back({"bandwidth/triad", threads, n, triad_gbs(n, threads, repeats), "GB/s"});
  rows.push_back({"bandwidth/add", threads, n, median_gbs(bytes3, repeats, [&] { sink = a + b; }), "GB/s"});
  rows.push_back({"bandwidth/mul", threads, n, median_gbs(bytes3, repeats, [&] { sink = a * b; }), "GB/s"});
  rows.push_back({"bandwidth/sum", threads, n, median_gbs(bytes1, repeats, [&] { sink = autodiff::sum(a); }), "GB/s"});
  bench::emit(rows, flags.str("json"));
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "bandwidth_bench: {}\n", e.what());
  return 1;
}
