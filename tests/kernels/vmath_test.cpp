#include "autodiff/kernels/vmath.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <tuple>
#include <utility>
#include <vector>
#include <algorithm>

#include "autodiff/kernels/parallel.hpp"

using namespace autodiff::kernels;

namespace {

constexpr float inf = std::numeric_limits<float>::infinity();
constexpr double rel_tol = 4e-7;
constexpr double denormal_ulp = 0x1p-149;  // results below FLT_MIN keep at most this absolute error

// 1M points: an even sweep of [-110, 110] (overflow, denormal and zero results), a random
// sample of [-20, 20], and the special values.
std::vector<float> inputs() {
  std::vector<float> x;
  const int sweep = 500000;
  for (int i = 0; i < sweep; ++i) x.push_back(static_cast<float>(-110.0 + 220.0 * i / (sweep - 1)));
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> dist(-20.0f, 20.0f);
  for (int i = 0; i < 500000; ++i) x.push_back(dist(gen));
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 0x1p-140f, -0x1p-140f, 88.0f, -88.0f, 88.72f, 88.73f, 89.0f,
                  -87.5f, -100.0f, 100.0f, -103.9f, -104.0f, -150.0f, inf, -inf,
                  std::numeric_limits<float>::quiet_NaN(), 0.625f, -0.625f, 0.62499994f})
    x.push_back(v);
  return x;
}

using Kernel = void (*)(const float*, float*, int64_t);

// Checks y = kernel(x) against a double reference within rel_tol (plus abs near zero results).
template <class Ref>
void check_against(Kernel kernel, Ref ref, double abs_tol) {
  const std::vector<float> x = inputs();
  std::vector<float> y(x.size());
  kernel(x.data(), y.data(), static_cast<int64_t>(x.size()));
  double worst = 0;
  int failures = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double r = ref(static_cast<double>(x[i]));
    const float rf = static_cast<float>(r);
    if (std::isnan(r)) {
      if (!std::isnan(y[i]) && failures++ < 10) BOOST_ERROR("x=" << x[i] << " gives " << y[i] << ", not NaN");
      continue;
    }
    if (std::isinf(rf) || std::isinf(y[i])) {
      if (y[i] != rf && failures++ < 10) BOOST_ERROR("x=" << x[i] << " gives " << y[i] << ", not " << rf);
      continue;
    }
    const double err = std::abs(static_cast<double>(y[i]) - r);
    if (r != 0) worst = std::max(worst, err / std::abs(r) * (std::abs(r) >= 0x1p-126 ? 1 : 0));
    if (err > rel_tol * std::abs(r) + abs_tol && failures++ < 10)
      BOOST_ERROR("x=" << x[i] << " gives " << y[i] << ", reference " << r << " (error " << err << ")");
  }
  BOOST_TEST_MESSAGE("max relative error (normal results) " << worst);
  BOOST_TEST(failures == 0);
}

std::vector<float> run_with_threads(Kernel kernel, int threads) {
  autodiff::set_num_threads(threads);
  const std::vector<float> x = inputs();
  std::vector<float> y(x.size());
  kernel(x.data(), y.data(), static_cast<int64_t>(x.size()));
  autodiff::set_num_threads(0);
  return y;
}

double sigmoid_ref(double v) { return 1.0 / (1.0 + std::exp(-v)); }

}  // namespace

BOOST_AUTO_TEST_CASE(exp_matches_libm_within_tolerance) {
  check_against(vexp, [](double v) { return std::exp(v); }, denormal_ulp);
}

BOOST_AUTO_TEST_CASE(tanh_matches_libm_within_tolerance) {
  check_against(vtanh, [](double v) { return std::tanh(v); }, denormal_ulp);
}

BOOST_AUTO_TEST_CASE(sigmoid_matches_double_precision_within_tolerance) {
  check_against(vsigmoid, sigmoid_ref, denormal_ulp);
}

BOOST_AUTO_TEST_CASE(special_values_map_exactly) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> x = {inf, -inf, nan, 0.0f, 100.0f, -200.0f};
  std::vector<float> e(x.size()), t(x.size()), s(x.size());
  vexp(x.data(), e.data(), 6);
  vtanh(x.data(), t.data(), 6);
  vsigmoid(x.data(), s.data(), 6);
  BOOST_TEST(e[0] == inf);
  BOOST_TEST(e[1] == 0.0f);
  BOOST_TEST(std::isnan(e[2]));
  BOOST_TEST(e[3] == 1.0f);
  BOOST_TEST(e[4] == inf);
  BOOST_TEST(e[5] == 0.0f);
  BOOST_TEST(t[0] == 1.0f);
  BOOST_TEST(t[1] == -1.0f);
  BOOST_TEST(std::isnan(t[2]));
  BOOST_TEST(t[3] == 0.0f);
  BOOST_TEST(s[0] == 1.0f);
  BOOST_TEST(s[1] == 0.0f);
  BOOST_TEST(std::isnan(s[2]));
  BOOST_TEST(s[3] == 0.5f);
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_thread_count) {
  for (Kernel k : std::initializer_list<Kernel>{vexp, vtanh, vsigmoid}) {
    const std::vector<float> one = run_with_threads(k, 1), two = run_with_threads(k, 2);
    BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
  }
}

BOOST_AUTO_TEST_CASE(results_do_not_depend_on_offset_length_or_aliasing) {
  const std::vector<float> x = inputs();
  for (Kernel k : std::initializer_list<Kernel>{vexp, vtanh, vsigmoid}) {
    std::vector<float> full(x.size());
    k(x.data(), full.data(), static_cast<int64_t>(x.size()));
    for (int64_t start : {0, 3, 17}) {
      for (int64_t n : {1, 15, 16, 17, 37}) {
        std::vector<float> part(x.begin() + start, x.begin() + start + n);
        k(part.data(), part.data(), n);  // in place
        BOOST_TEST(std::memcmp(part.data(), full.data() + start, n * sizeof(float)) == 0);
      }
    }
  }
}

// A block of columns read in place (rows ldx apart) gives what the contiguous call gives on the same
// values, bit for bit, whatever the thread count: chunks that start and end inside rows included.
BOOST_AUTO_TEST_CASE(row_blocks_match_the_contiguous_call) {
  using Rows = void (*)(const float*, int64_t, float*, int64_t, int64_t);
  const std::vector<std::pair<Kernel, Rows>> kernels{{vexp, vexp}, {vtanh, vtanh}, {vsigmoid, vsigmoid}};
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(0.0f, 4.0f);
  for (const auto& [flat, rows] : kernels) {
    for (auto [r, cols, ld] : {std::tuple<int64_t, int64_t, int64_t>{3, 5, 9}, {128, 128, 512}, {1, 40000, 40002}}) {
      std::vector<float> wide(static_cast<size_t>(r * ld));
      for (float& v : wide) v = normal(gen);
      std::vector<float> block(static_cast<size_t>(r * cols)), want(block.size());
      for (int64_t i = 0; i < r; ++i)
        std::copy_n(wide.data() + i * ld + 2, cols, block.data() + i * cols);  // the block starts at column 2
      flat(block.data(), want.data(), r * cols);
      for (int threads : {1, 2}) {
        autodiff::set_num_threads(threads);
        std::vector<float> got(block.size());
        rows(wide.data() + 2, ld, got.data(), r, cols);
        BOOST_TEST(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0);
      }
      autodiff::set_num_threads(0);
    }
  }
}
