// GFLOP/s of our sgemm against OpenBLAS cblas_sgemm in the same binary, for
// square sizes and the MLP shapes in the three transpositions forward and
// backward use, plus this machine's FMA peak for scale.
//   matmul_bench [--threads N] [--repeats R] [--filter TEXT] [--json PATH]
#include <cblas.h>
#include <fmt/core.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "autodiff/kernels/matmul.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace {
using Clock = std::chrono::steady_clock;

struct Workload {
  std::string name;
  int64_t m, n, k;
  bool trans_a, trans_b;  // A stored as [k, m], B stored as [n, k]
};

std::vector<Workload> workloads() {
  std::vector<Workload> w;
  for (int64_t s : {64, 128, 256, 512, 1024, 2048}) w.push_back({fmt::format("matmul/sq{}", s), s, s, s, false, false});
  for (int64_t batch : {128, 32, 1})
    for (auto [in, out] : {std::pair<int64_t, int64_t>{784, 500}, {500, 500}, {500, 10}}) {
      const auto tag = fmt::format("{}x{}_b{}", in, out, batch);
      w.push_back({"matmul/mlp_fwd_" + tag, batch, out, in, false, false});  // Y = X·W
      w.push_back({"matmul/mlp_dx_" + tag, batch, in, out, false, true});    // dX = G·Wᵀ
      w.push_back({"matmul/mlp_dw_" + tag, in, out, batch, true, false});    // dW = Xᵀ·G
    }
  // One LSTM(128) step at batch 128: z = h·U, dh = dz·Uᵀ, dU = hᵀ·dz.
  w.push_back({"matmul/lstm_fwd_128x512_b128", 128, 512, 128, false, false});
  w.push_back({"matmul/lstm_dh_128x512_b128", 128, 128, 512, false, true});
  w.push_back({"matmul/lstm_du_128x512_b128", 128, 512, 128, true, false});
  return w;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Median over `repeats` of GFLOP/s, each repeat long enough (≥ 20 ms) to time.
template <class F>
double median_gflops(double flops, int repeats, F&& run) {
  run();
  auto t0 = Clock::now();
  run();
  const int iters = std::max(1, static_cast<int>(0.02 / std::max(seconds_since(t0), 1e-7)));
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    t0 = Clock::now();
    for (int i = 0; i < iters; ++i) run();
    rates.push_back(flops * iters / seconds_since(t0) * 1e-9);
  }
  std::nth_element(rates.begin(), rates.begin() + repeats / 2, rates.end());
  return rates[repeats / 2];
}

constexpr int peak_chains = 16;  // independent FMA chains: more than latency × throughput

[[gnu::target("avx512f")]] float fma_chains_avx512(int64_t iters) {
  __m512 acc[peak_chains];
  for (int j = 0; j < peak_chains; ++j) acc[j] = _mm512_set1_ps(float(j));
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < peak_chains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], x, y);
  float out[16];
  for (int j = 1; j < peak_chains; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  _mm512_storeu_ps(out, acc[0]);
  return out[0];
}

[[gnu::target("avx2,fma")]] float fma_chains_avx2(int64_t iters) {
  __m256 acc[peak_chains];
  for (int j = 0; j < peak_chains; ++j) acc[j] = _mm256_set1_ps(float(j));
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i)
#pragma GCC unroll 16
    for (int j = 0; j < peak_chains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], x, y);
  float out[8];
  for (int j = 1; j < peak_chains; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
  _mm256_storeu_ps(out, acc[0]);
  return out[0];
}

// Single-precision FMA peak of `threads` threads running FMA chains at once.
double fma_peak_gflops(int threads, int repeats) {
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const int64_t iters = 10'000'000;
  const double flops = double(threads) * iters * peak_chains * (avx512 ? 16 : 8) * 2;
  std::vector<float> sink(threads);
  return median_gflops(flops, repeats, [&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sink[t] = avx512 ? fma_chains_avx512(iters) : fma_chains_avx2(iters); });
    for (auto& th : pool) th.join();
  });
}

struct Result {
  Workload w;
  double ours, peer, max_rel_diff;
};

Result run_workload(const Workload& w, int repeats) {
  std::mt19937 gen(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(w.m * w.k), b(w.k * w.n), c_ours(w.m * w.n), c_peer(w.m * w.n);
  for (auto& v : a) v = dist(gen);
  for (auto& v : b) v = dist(gen);
  const int64_t rs_a = w.trans_a ? 1 : w.k, cs_a = w.trans_a ? w.m : 1;
  const int64_t rs_b = w.trans_b ? 1 : w.n, cs_b = w.trans_b ? w.k : 1;
  const double flops = 2.0 * w.m * w.n * w.k;
  Result r{w, 0, 0, 0};
  // OpenBLAS's idle workers spin for about 0.1 s after each call (its THREAD_TIMEOUT) and would
  // take the second core from whatever runs next; let both libraries' workers park first.
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(250)); };
  settle();
  r.ours = median_gflops(flops, repeats, [&] {
    autodiff::kernels::gemm<float>(w.m, w.n, w.k, a.data(), rs_a, cs_a, b.data(), rs_b, cs_b, c_ours.data(), w.n,
                                   false);
  });
  settle();
  r.peer = median_gflops(flops, repeats, [&] {
    cblas_sgemm(CblasRowMajor, w.trans_a ? CblasTrans : CblasNoTrans, w.trans_b ? CblasTrans : CblasNoTrans,
                int(w.m), int(w.n), int(w.k), 1.0f, a.data(), int(w.trans_a ? w.m : w.k), b.data(),
                int(w.trans_b ? w.k : w.n), 0.0f, c_peer.data(), int(w.n));
  });
  for (size_t i = 0; i < c_ours.size(); ++i)
    r.max_rel_diff = std::max(r.max_rel_diff, std::abs(double(c_ours[i]) - c_peer[i]) / (1.0 + std::abs(c_peer[i])));
  return r;
}

double median_of(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x.empty() ? 0 : x[x.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  int repeats = 7;
  std::string json_path, filter;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--repeats") repeats = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--json") json_path = argv[i + 1];
    else if (flag == "--filter") filter = argv[i + 1];
    else {
      fmt::print(stderr, "unknown flag {}\nusage: {} [--threads N] [--repeats R] [--filter TEXT] [--json PATH]\n",
                 flag, argv[0]);
      return 2;
    }
  }
  threads = std::max(1, threads);
  autodiff::set_num_threads(threads);
  openblas_set_num_threads(threads);

  const double peak1 = fma_peak_gflops(1, repeats), peak = fma_peak_gflops(threads, repeats);
  fmt::print("gemm isa: {}   threads: {}   FMA peak f32: {:.1f} GFLOP/s on 1 thread, {:.1f} on {}\n\n",
             autodiff::kernels::gemm_isa(), threads, peak1, peak, threads);
  fmt::print("{:<32} {:>5} {:>5} {:>5} {:>9} {:>9} {:>8} {:>8} {:>9}\n", "workload", "m", "n", "k", "ours",
             "OpenBLAS", "ours/ob", "ours/pk", "max diff");

  nlohmann::json out = nlohmann::json::array();
  std::vector<double> ratios;
  for (const auto& w : workloads()) {
    if (!filter.empty() && w.name.find(filter) == std::string::npos) continue;
    const Result r = run_workload(w, repeats);
    const double ratio = r.ours / r.peer;
    ratios.push_back(ratio);
    fmt::print("{:<32} {:>5} {:>5} {:>5} {:>9.1f} {:>9.1f} {:>8.2f} {:>8.2f} {:>9.1e}\n", w.name, w.m, w.n, w.k,
               r.ours, r.peer, ratio, r.ours / peak, r.max_rel_diff);
    out.push_back({{"workload", w.name}, {"threads", threads}, {"ours", r.ours}, {"peer", r.peer},
                   {"unit", "GFLOP/s"}, {"ratio", ratio}, {"target", 1.0}});
  }
  fmt::print("\nmedian ours/OpenBLAS over {} workloads: {:.2f}\n", ratios.size(), median_of(ratios));
  if (!json_path.empty()) std::ofstream(json_path) << out.dump(2) << "\n";
  return 0;
}
