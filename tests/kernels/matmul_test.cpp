// GCC 12 flags a false -Wrestrict inside std::string (GCC bug 105329) when it
// inlines the names Boost.Test builds for data test cases.
#if defined(__GNUC__) && !defined(__clang__)
#endif
#include "autodiff/kernels/matmul.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <span>

#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "autodiff/kernels/parallel.hpp"

namespace bdata = boost::unit_test::data;
using autodiff::kernels::gemm;

namespace {

struct GemmShape {
  int64_t m, n, k;
};
std::ostream& operator<<(std::ostream& os, const GemmShape& s) {
  return os << s.m << "x" << s.n << "x" << s.k;
}

// Small-path, edge-tile (every m mod 12), narrow-C (transposed) and multi-kc-block shapes, then
// few-row (unpacked) shapes: every m ≤ 12 tile, column tails of 1 to 8 vectors, k tails,
// batch-1 MLP layers, then B read in place (B row-major) over one A block or a small B, both with column tails,
// then the attention's per-head products (small path: row groups of 4 with a remainder, column tails).
const GemmShape shapes[] = {{1, 1, 1},      {2, 3, 4},       {13, 17, 29},    {1, 100, 50},    {100, 1, 50},
                            {37, 45, 1},    {64, 64, 64},    {12, 32, 385},   {25, 33, 770},   {97, 131, 67},
                            {41, 37, 50},   {59, 70, 40},    {3, 500, 30},    {31, 200, 9},    {300, 3, 200},
                            {128, 10, 500}, {500, 10, 128},  {128, 784, 500}, {500, 128, 784}, {784, 500, 128},
                            {1, 500, 784},  {1, 10, 500},    {2, 70, 33},     {3, 129, 47},    {4, 65, 17},
                            {5, 31, 16},    {8, 33, 300},    {8, 10, 128},    {11, 40, 17},    {12, 7, 1},
                            {1, 60, 20},    {2, 100, 20},    {193, 95, 520},  {400, 70, 600},  {150, 47, 33},
                            {28, 28, 16},   {28, 16, 28},    {16, 28, 28},    {7, 40, 5},      {5, 3, 7}};

// How a logical [rows, cols] operand sits in memory.
enum class Layout { row_major, transposed, padded };
const Layout layouts[] = {Layout::row_major, Layout::transposed, Layout::padded};

template <class T>
struct Operand {
  std::vector<T> data;
  int64_t rs, cs;
};

template <class T>
Operand<T> store(const std::vector<double>& x, int64_t rows, int64_t cols, Layout layout) {
  Operand<T> op;
  if (layout == Layout::transposed) {
    op = {std::vector<T>(rows * cols), 1, rows};
  } else {
    const int64_t ld = layout == Layout::padded ? cols + 3 : cols;
    op = {std::vector<T>(rows * ld, T(1e30)), ld, 1};  // padding poisons any stray read
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) op.data[i * op.rs + j * op.cs] = static_cast<T>(x[i * cols + j]);
  return op;
}

std::vector<double> random_matrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> x(rows * cols);
  for (auto& v : x) v = dist(gen);
  return x;
}

// Checks every layout pair and both accumulate modes of gemm<T> against a naive
// double-precision product, with an error bound of tol·k·Σ|a||b| per element.
template <class T>
void check_against_naive(const GemmShape& s, double tol) {
  const auto [m, n, k] = s;
  const auto a = random_matrix(m, k, 1), b = random_matrix(k, n, 2), c0 = random_matrix(m, n, 3);
  // a and b are rounded to T first, so the reference sees the same inputs.
  std::vector<double> ab(m * n, 0.0), mag(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const double av = static_cast<T>(a[i * k + p]);
      for (int64_t j = 0; j < n; ++j) {
        const double bv = static_cast<T>(b[p * n + j]);
        ab[i * n + j] += av * bv;
        mag[i * n + j] += std::abs(av * bv);
      }
    }
  const int64_t ldc = n + 5;
  for (Layout la : layouts)
    for (Layout lb : layouts)
      for (bool accumulate : {false, true}) {
        const auto A = store<T>(a, m, k, la);
        const auto B = store<T>(b, k, n, lb);
        std::vector<T> c(m * ldc, T(-7));
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = static_cast<T>(c0[i * n + j]);
        gemm<T>(m, n, k, A.data.data(), A.rs, A.cs, B.data.data(), B.rs, B.cs, c.data(), ldc, accumulate);
        int64_t bad = 0;
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < n; ++j) {
            const double c_in = static_cast<T>(c0[i * n + j]);
            const double want = (accumulate ? c_in : 0.0) + ab[i * n + j];
            const double bound = tol * (k + 2) * (mag[i * n + j] + std::abs(c_in)) + 1e-30;
            if (!(std::abs(c[i * ldc + j] - want) <= bound) && bad++ < 3)
              BOOST_ERROR("C[" << i << "," << j << "] = " << c[i * ldc + j] << ", want " << want << " (layouts "
                               << int(la) << "," << int(lb) << ", accumulate " << accumulate << ")");
          }
          for (int64_t j = n; j < ldc; ++j)
            if (c[i * ldc + j] != T(-7) && bad++ < 3) BOOST_ERROR("gemm wrote past column n in row " << i);
        }
        BOOST_TEST(bad == 0);
      }
}

const char* const isas[] = {"avx512", "avx2", "generic"};

}  // namespace

BOOST_DATA_TEST_CASE(f32_matches_naive_reference_for_every_layout, bdata::make(shapes), shape) {
  for (const char* isa : isas) {
    if (!autodiff::kernels::force_gemm_isa(isa)) continue;
    BOOST_TEST_CONTEXT("isa " << isa) { check_against_naive<float>(shape, 1e-6); }
  }
  autodiff::kernels::force_gemm_isa(nullptr);
}

BOOST_DATA_TEST_CASE(f64_matches_naive_reference_for_every_layout, bdata::make(shapes), shape) {
  for (const char* isa : isas) {
    if (!autodiff::kernels::force_gemm_isa(isa)) continue;
    BOOST_TEST_CONTEXT("isa " << isa) { check_against_naive<double>(shape, 1e-15); }
  }
  autodiff::kernels::force_gemm_isa(nullptr);
}

BOOST_AUTO_TEST_CASE(k_zero_writes_zeros_unless_accumulating) {
  std::vector<float> c(6, 5.0f);
  const float dummy = 0.0f;
  gemm<float>(2, 3, 0, &dummy, 0, 1, &dummy, 3, 1, c.data(), 3, true);
  BOOST_TEST(c == std::vector<float>(6, 5.0f), boost::test_tools::per_element());
  gemm<float>(2, 3, 0, &dummy, 0, 1, &dummy, 3, 1, c.data(), 3, false);
  BOOST_TEST(c == std::vector<float>(6, 0.0f), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_m_or_n_touches_nothing) {
  std::vector<double> c(4, 5.0);
  const double a[4] = {1, 2, 3, 4};
  gemm<double>(0, 2, 2, a, 2, 1, a, 2, 1, c.data(), 2, false);
  gemm<double>(2, 0, 2, a, 2, 1, a, 2, 1, c.data(), 2, false);
  BOOST_TEST(c == std::vector<double>(4, 5.0), boost::test_tools::per_element());
}

template <class T>
std::vector<T> run_with_threads(int threads, const GemmShape& s, bool transpose_a, bool transpose_b) {
  autodiff::set_num_threads(threads);
  const auto a = store<T>(random_matrix(s.m, s.k, 4), s.m, s.k, transpose_a ? Layout::transposed : Layout::row_major);
  const auto b = store<T>(random_matrix(s.k, s.n, 5), s.k, s.n, transpose_b ? Layout::transposed : Layout::row_major);
  std::vector<T> c(s.m * s.n, T(0.5));
  gemm<T>(s.m, s.n, s.k, a.data.data(), a.rs, a.cs, b.data.data(), b.rs, b.cs, c.data(), s.n, true);
  return c;
}

// Every shape in every transposition, float and double: 1 and 2 threads give the same bits.
void check_thread_counts_agree(std::span<const GemmShape> shapes) {
  for (const auto& s : shapes)
    for (int t = 0; t < 4; ++t) {
      BOOST_TEST_CONTEXT("shape " << s << ", transposes " << t) {
        const auto f1 = run_with_threads<float>(1, s, t & 1, t & 2);
        const auto f2 = run_with_threads<float>(2, s, t & 1, t & 2);
        BOOST_TEST(std::memcmp(f1.data(), f2.data(), f1.size() * sizeof(float)) == 0);
        const auto d1 = run_with_threads<double>(1, s, t & 1, t & 2);
        const auto d2 = run_with_threads<double>(2, s, t & 1, t & 2);
        BOOST_TEST(std::memcmp(d1.data(), d2.data(), d1.size() * sizeof(double)) == 0);
      }
    }
  autodiff::set_num_threads(0);
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_are_bit_identical) {
  const GemmShape big[] = {{128, 784, 500}, {500, 128, 784}, {784, 500, 128}, {301, 517, 1031},
                           {1, 1000, 700},  {128, 500, 10},  {1000, 37, 600}, {37, 1000, 600},
                           {150, 1000, 700}, {400, 70, 600}};
  check_thread_counts_agree(big);
}

// Two threads split C into slabs (by columns, or by rows when C is tall) and a
// large in-place B by columns: each split still matches the reference.
BOOST_DATA_TEST_CASE(two_thread_splits_match_naive_reference,
                     bdata::make({GemmShape{128, 500, 10}, GemmShape{1000, 37, 600}, GemmShape{37, 1000, 600},
                                  GemmShape{1, 500, 784}, GemmShape{3, 700, 300}, GemmShape{150, 1000, 700},
                                  GemmShape{700, 90, 300}}),
                     shape) {
  autodiff::set_num_threads(2);
  check_against_naive<float>(shape, 1e-6);
  check_against_naive<double>(shape, 1e-15);
  autodiff::set_num_threads(0);
}

BOOST_AUTO_TEST_CASE(few_row_products_are_bit_identical_across_threads) {
  const GemmShape few_rows[] = {{1, 4000, 600}, {2, 3000, 700}, {3, 2000, 800}, {8, 1000, 300}, {1, 784, 500}};
  check_thread_counts_agree(few_rows);
}

// The narrow paths (k = 1 outer products, a few rows of at most one vector, C of fewer than 16
// columns read along m or along k): every m in {1, 3, 33} × n in {1, 7, 10, 17} × k in {1, 5, 37, 70}.
std::vector<GemmShape> narrow_shapes() {
  std::vector<GemmShape> out;
  for (int64_t m : {1, 3, 33})
    for (int64_t n : {1, 7, 10, 17})
      for (int64_t k : {1, 5, 37, 70}) out.push_back({m, n, k});
  return out;
}

BOOST_DATA_TEST_CASE(narrow_shapes_match_naive_reference, bdata::make(narrow_shapes()), shape) {
  for (const char* isa : isas) {
    if (!autodiff::kernels::force_gemm_isa(isa)) continue;
    BOOST_TEST_CONTEXT("isa " << isa) {
      check_against_naive<float>(shape, 1e-6);
      check_against_naive<double>(shape, 1e-15);
    }
  }
  autodiff::kernels::force_gemm_isa(nullptr);
}

// Narrow products large enough to be split over two threads (a k = 1 product by the bytes of C,
// the narrow ones by their flops), and the MLP's output-layer shapes.
const GemmShape narrow_split_shapes[] = {{784, 500, 1}, {2000, 300, 1}, {500, 10, 128}, {128, 10, 500},
                                         {1000, 15, 300}, {333, 7, 401},  {1, 10, 500},   {32, 10, 500}};

BOOST_DATA_TEST_CASE(two_thread_narrow_splits_match_naive_reference, bdata::make(narrow_split_shapes), shape) {
  autodiff::set_num_threads(2);
  check_against_naive<float>(shape, 1e-6);
  check_against_naive<double>(shape, 1e-15);
  autodiff::set_num_threads(0);
}

BOOST_AUTO_TEST_CASE(narrow_products_are_bit_identical_across_threads) {
  check_thread_counts_agree(narrow_split_shapes);
}

BOOST_AUTO_TEST_CASE(gemm_isa_names_a_known_path) {
  const std::string isa = autodiff::kernels::gemm_isa();
  BOOST_TEST((isa == "avx512" || isa == "avx2" || isa == "generic"));
  BOOST_TEST(autodiff::kernels::force_gemm_isa("generic"));
  BOOST_TEST(std::string(autodiff::kernels::gemm_isa()) == "generic");
  BOOST_TEST(!autodiff::kernels::force_gemm_isa("sse9"));
  BOOST_TEST(autodiff::kernels::gemm_isa() == isa);
}
