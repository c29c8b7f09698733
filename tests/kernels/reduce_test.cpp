// Column reductions (bias gradients) against a plain loop: the column-block path sums each column's
// rows in order, so it must match the loop exactly; the narrow path (few columns, many rows) adds in
// shape-fixed chunks, so it matches within rounding. Both give the same bits at 1 and 2 threads.
#include "autodiff/kernels/reduce.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "autodiff/kernels/parallel.hpp"

using namespace autodiff;
using namespace autodiff::kernels;

namespace {

constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::max, ReduceOp::min};

template <class T>
std::vector<T> values(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(0.5, 1.5);  // products of many stay finite enough to compare
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(dist(gen) * (gen() % 2 ? 1 : -1));
  return v;
}

template <class T>
T reference_combine(ReduceOp op, T a, T b) {
  switch (op) {
    case ReduceOp::sum: return a + b;
    case ReduceOp::prod: return a * b;
    case ReduceOp::max: return (a > b || std::isnan(a)) ? a : b;
    case ReduceOp::min: return (a < b || std::isnan(a)) ? a : b;
  }
  return a;
}

// Each column folded over its rows in order, as a plain loop.
template <class T>
std::vector<T> reference_cols(ReduceOp op, const std::vector<T>& x, int64_t r, int64_t m) {
  std::vector<T> out(static_cast<size_t>(m));
  for (int64_t j = 0; j < m; ++j) {
    T v = x[j];
    for (int64_t i = 1; i < r; ++i) v = reference_combine(op, v, x[i * m + j]);
    out[j] = v;
  }
  return out;
}

template <class T>
std::vector<T> cols_at(int threads, ReduceOp op, const std::vector<T>& x, int64_t r, int64_t m) {
  set_num_threads(threads);
  std::vector<T> out(static_cast<size_t>(m), T(-7));
  reduce_cols(op, x.data(), r, m, out.data());
  set_num_threads(0);
  return out;
}

// True when the column-block path (sequential rows per column) handles [r, m].
bool in_order(int64_t r, int64_t m) { return m > 256 || r * m <= 16384; }

template <class T>
void check_cols(int64_t r, int64_t m) {
  const std::vector<T> x = values<T>(r * m, static_cast<unsigned>(r * 1000 + m));
  for (ReduceOp op : kOps) {
    const std::vector<T> one = cols_at(1, op, x, r, m), two = cols_at(2, op, x, r, m);
    const std::vector<T> want = reference_cols(op, x, r, m);
    BOOST_CHECK_MESSAGE(std::memcmp(one.data(), two.data(), one.size() * sizeof(T)) == 0,
                        "[" << r << ", " << m << "] op " << static_cast<int>(op) << ": 1 and 2 threads differ");
    const bool exact = in_order(r, m) || op == ReduceOp::max || op == ReduceOp::min;
    for (int64_t j = 0; j < m; ++j) {
      const double tol = exact ? 0.0 : 1e-4 * (std::abs(static_cast<double>(want[j])) + 1.0);
      if (std::abs(static_cast<double>(one[j]) - static_cast<double>(want[j])) > tol) {
        BOOST_ERROR("[" << r << ", " << m << "] op " << static_cast<int>(op) << " column " << j << ": " << one[j]
                        << ", not " << want[j]);
        break;
      }
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(column_sums_match_a_plain_loop_on_model_shapes_and_odd_sizes) {
  const std::pair<int64_t, int64_t> shapes[] = {{128, 512}, {128, 128}, {128, 500}, {128, 200}, {32, 2048},
                                                {1, 513},   {3, 257},   {128, 10},  {61, 300},  {2000, 37},
                                                {517, 768}, {1, 1},     {129, 256}, {64, 256}};
  for (auto [r, m] : shapes) {
    check_cols<float>(r, m);
    check_cols<double>(r, m);
  }
}

BOOST_AUTO_TEST_CASE(column_max_and_min_propagate_nan_on_the_block_path) {
  const int64_t r = 128, m = 600;
  std::vector<float> x = values<float>(r * m, 3);
  x[77 * m + 300] = std::numeric_limits<float>::quiet_NaN();
  x[5] = std::numeric_limits<float>::quiet_NaN();
  for (ReduceOp op : {ReduceOp::max, ReduceOp::min, ReduceOp::sum}) {
    const std::vector<float> out = cols_at(2, op, x, r, m);
    BOOST_CHECK(std::isnan(out[300]));
    BOOST_CHECK(std::isnan(out[5]));
    BOOST_CHECK(!std::isnan(out[301]));
  }
}
