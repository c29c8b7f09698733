#include "autodiff/kernels/parallel.hpp"
#include "autodiff/kernels/pool.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace autodiff::kernels;

namespace {

struct PoolCase {
  std::string name;
  int64_t n, h, w, c, ph, pw, sh, sw;
  bool same;
  Pool2dGeometry geometry() const { return pool2d_geometry(n, h, w, c, ph, pw, sh, sw, same); }
};
std::ostream& operator<<(std::ostream& os, const PoolCase& c) { return os << c.name; }

const std::vector<PoolCase> pool_cases = {
    {"mnist_pool1", 32, 28, 28, 10, 2, 2, 2, 2, false},
    {"mnist_pool2", 32, 14, 14, 10, 2, 2, 2, 2, false},
    {"odd_valid", 3, 7, 9, 3, 2, 2, 2, 2, false},
    {"odd_same", 3, 7, 9, 3, 2, 2, 2, 2, true},
    {"overlap_same", 3, 7, 8, 4, 3, 3, 2, 2, true},
    {"overlap_stride1_same", 3, 5, 6, 2, 2, 3, 1, 1, true},
    {"stride3_valid", 3, 10, 11, 5, 3, 2, 3, 2, false},
};

template <class T>
std::vector<T> random_values(int64_t size, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(size);
  for (T& e : v) e = T(dist(gen));
  return v;
}

int64_t x_size(const Pool2dGeometry& g) { return g.n * g.h * g.w * g.c; }
int64_t y_size(const Pool2dGeometry& g) { return g.n * g.out_h * g.out_w * g.c; }

// Calls f(y_index, x_index, count) for every element x_index inside the window of y_index.
template <class F>
void for_each_window_element(const Pool2dGeometry& g, F f) {
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const int64_t h0 = std::max<int64_t>(oh * g.stride_h - g.pad_top, 0);
        const int64_t h1 = std::min(oh * g.stride_h - g.pad_top + g.ph, g.h);
        const int64_t w0 = std::max<int64_t>(ow * g.stride_w - g.pad_left, 0);
        const int64_t w1 = std::min(ow * g.stride_w - g.pad_left + g.pw, g.w);
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw)
            for (int64_t c = 0; c < g.c; ++c)
              f(((b * g.out_h + oh) * g.out_w + ow) * g.c + c, ((b * g.h + ih) * g.w + iw) * g.c + c,
                (h1 - h0) * (w1 - w0));
      }
}

template <class T>
void check_close(const std::vector<T>& got, const std::vector<double>& want, double tol) {
  BOOST_REQUIRE_EQUAL(got.size(), want.size());
  for (size_t e = 0; e < got.size(); ++e)
    if (std::abs(double(got[e]) - want[e]) > tol * (1 + std::abs(want[e]))) {
      BOOST_ERROR("element " << e << ": got " << got[e] << ", reference " << want[e]);
      return;
    }
}

template <class T>
void check_max_pool(const Pool2dGeometry& g) {
  const std::vector<T> x = random_values<T>(x_size(g), 1), gy = random_values<T>(y_size(g), 2);
  std::vector<double> y_ref(y_size(g), -INFINITY), gx_ref(x_size(g), 0.0);
  std::vector<int64_t> arg_ref(y_size(g), -1);
  for_each_window_element(g, [&](int64_t ye, int64_t xe, int64_t) {
    if (x[xe] > y_ref[ye]) y_ref[ye] = x[xe], arg_ref[ye] = xe;
  });
  for (int64_t ye = 0; ye < y_size(g); ++ye) gx_ref[arg_ref[ye]] += gy[ye];
  std::vector<T> y(y_size(g), T(7)), gx(x_size(g), T(7));
  std::vector<int64_t> arg(y_size(g), 7);
  max_pool2d_forward(g, x.data(), y.data(), arg.data());
  max_pool2d_backward(g, gy.data(), arg.data(), gx.data());
  check_close(y, y_ref, 0.0);
  BOOST_TEST(arg == arg_ref, boost::test_tools::per_element());
  check_close(gx, gx_ref, 1e-6);
}

template <class T>
void check_avg_pool(const Pool2dGeometry& g) {
  const std::vector<T> x = random_values<T>(x_size(g), 1), gy = random_values<T>(y_size(g), 2);
  std::vector<double> y_ref(y_size(g), 0.0), gx_ref(x_size(g), 0.0);
  for_each_window_element(g, [&](int64_t ye, int64_t xe, int64_t count) {
    y_ref[ye] += double(x[xe]) / double(count);
    gx_ref[xe] += double(gy[ye]) / double(count);
  });
  std::vector<T> y(y_size(g), T(7)), gx(x_size(g), T(7));
  avg_pool2d_forward(g, x.data(), y.data());
  avg_pool2d_backward(g, gy.data(), gx.data());
  check_close(y, y_ref, 1e-6);
  check_close(gx, gx_ref, 1e-6);
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// All four pooling outputs for one input, under a given thread cap.
std::vector<std::vector<float>> pool_outputs(const Pool2dGeometry& g, int threads) {
  autodiff::set_num_threads(threads);
  const std::vector<float> x = random_values<float>(x_size(g), 1), gy = random_values<float>(y_size(g), 2);
  std::vector<float> max_y(y_size(g)), avg_y(y_size(g)), max_gx(x_size(g)), avg_gx(x_size(g));
  std::vector<int64_t> arg(y_size(g));
  max_pool2d_forward(g, x.data(), max_y.data(), arg.data());
  max_pool2d_backward(g, gy.data(), arg.data(), max_gx.data());
  avg_pool2d_forward(g, x.data(), avg_y.data());
  avg_pool2d_backward(g, gy.data(), avg_gx.data());
  autodiff::set_num_threads(0);
  return {max_y, max_gx, avg_y, avg_gx};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool2d)

BOOST_AUTO_TEST_CASE(geometry_matches_tensorflow_sizes) {
  const Pool2dGeometry valid = pool2d_geometry(1, 28, 7, 1, 2, 2, 2, 2, false);  // floor((in − p)/s) + 1
  BOOST_TEST((valid.out_h == 14 && valid.out_w == 3 && valid.pad_top == 0 && valid.pad_left == 0));
  const Pool2dGeometry same = pool2d_geometry(1, 7, 8, 1, 3, 2, 2, 2, true);  // ceil(in/s), pad_total/2 before
  BOOST_TEST((same.out_h == 4 && same.pad_top == 1 && same.out_w == 4 && same.pad_left == 0));
}

BOOST_AUTO_TEST_CASE(geometry_rejects_window_larger_than_valid_input) {
  BOOST_CHECK_EXCEPTION(pool2d_geometry(1, 5, 1, 1, 2, 2, 2, 2, false), std::invalid_argument,
                        [](const std::invalid_argument& e) {
                          return std::string(e.what()).find("window 2 exceeds input size 1") != std::string::npos;
                        });
}

BOOST_DATA_TEST_CASE(max_pool_matches_naive_loop, bdata::make(pool_cases), c) {
  check_max_pool<float>(c.geometry());
  check_max_pool<double>(c.geometry());
}

BOOST_DATA_TEST_CASE(avg_pool_matches_naive_loop, bdata::make(pool_cases), c) {
  check_avg_pool<float>(c.geometry());
  check_avg_pool<double>(c.geometry());
}

BOOST_DATA_TEST_CASE(backward_kernels_are_adjoints_of_forward, bdata::make(pool_cases), c) {
  // Both poolings are linear in x (max pooling once argmax is fixed): <pool(x), gy> = <x, backward(gy)>.
  const Pool2dGeometry g = c.geometry();
  const std::vector<double> x = random_values<double>(x_size(g), 1), gy = random_values<double>(y_size(g), 2);
  std::vector<double> y(y_size(g)), gx(x_size(g));
  std::vector<int64_t> arg(y_size(g));
  max_pool2d_forward(g, x.data(), y.data(), arg.data());
  max_pool2d_backward(g, gy.data(), arg.data(), gx.data());
  BOOST_TEST(dot(x, gx) == dot(y, gy), boost::test_tools::tolerance(1e-12));
  avg_pool2d_forward(g, x.data(), y.data());
  avg_pool2d_backward(g, gy.data(), gx.data());
  BOOST_TEST(dot(x, gx) == dot(y, gy), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(max_pool_first_maximum_wins_ties) {
  const Pool2dGeometry g = pool2d_geometry(1, 4, 4, 2, 2, 2, 2, 2, false);
  const std::vector<float> x(x_size(g), 1.0f);
  std::vector<float> y(y_size(g));
  std::vector<int64_t> arg(y_size(g));
  max_pool2d_forward(g, x.data(), y.data(), arg.data());
  // Window (oh, ow) starts at input (2·oh, 2·ow); channel c of pixel (h, w) sits at (h·4 + w)·2 + c.
  const std::vector<int64_t> first = {0, 1, 4, 5, 16, 17, 20, 21};
  BOOST_TEST(arg == first, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_pool_padding_never_wins) {
  const Pool2dGeometry g = pool2d_geometry(1, 3, 3, 1, 2, 2, 2, 2, true);  // pads one column and row after
  const std::vector<float> x = {-9, -8, -7, -6, -5, -4, -3, -2, -1};
  std::vector<float> y(y_size(g));
  std::vector<int64_t> arg(y_size(g));
  max_pool2d_forward(g, x.data(), y.data(), arg.data());
  BOOST_TEST(y == std::vector<float>({-5, -4, -2, -1}), boost::test_tools::per_element());
  BOOST_TEST(arg == std::vector<int64_t>({4, 5, 7, 8}), boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(two_threads_equal_one_bit_for_bit, bdata::make(pool_cases), c) {
  const auto one = pool_outputs(c.geometry(), 1), two = pool_outputs(c.geometry(), 2);
  for (size_t k = 0; k < one.size(); ++k) BOOST_TEST(bitwise_equal(one[k], two[k]), "output " << k);
}

BOOST_AUTO_TEST_SUITE_END()
