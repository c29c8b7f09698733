#include "autodiff/kernels/conv.hpp"
#include "autodiff/kernels/parallel.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace autodiff::kernels;

namespace {

struct ConvCase {
  std::string name;
  int64_t n, h, w, c_in, kh, kw, c_out, sh, sw, dh, dw;
  bool same;
  Conv2dGeometry geometry() const { return conv2d_geometry(n, h, w, c_in, kh, kw, c_out, sh, sw, dh, dw, same); }
};
std::ostream& operator<<(std::ostream& os, const ConvCase& c) { return os << c.name; }

const std::vector<ConvCase> conv_cases = {
    {"mnist_conv1", 32, 28, 28, 1, 3, 3, 10, 1, 1, 1, 1, true},
    {"mnist_conv2", 32, 14, 14, 10, 3, 3, 10, 1, 1, 1, 1, true},
    {"stride2_same", 3, 9, 11, 3, 3, 3, 4, 2, 2, 1, 1, true},
    {"stride2_valid", 3, 9, 11, 3, 3, 3, 4, 2, 2, 1, 1, false},
    {"dilation2_same", 3, 10, 9, 2, 3, 3, 5, 1, 1, 2, 2, true},
    {"dilation2_valid", 3, 10, 9, 2, 3, 3, 5, 1, 1, 2, 2, false},
    {"valid_rect_kernel", 3, 7, 8, 3, 3, 2, 5, 1, 1, 1, 1, false},
    {"same_even_kernel", 3, 7, 6, 2, 2, 4, 3, 1, 1, 1, 1, true},
    {"wide_channels", 3, 6, 5, 17, 3, 3, 19, 1, 1, 1, 1, true},
    {"stride3_dilation2_odd", 3, 13, 11, 3, 3, 3, 2, 3, 2, 2, 3, true},
    {"pointwise", 3, 5, 7, 6, 1, 1, 9, 1, 1, 1, 1, false},
    {"kernel_wider_than_input", 3, 3, 2, 2, 5, 5, 3, 1, 1, 1, 1, true},
};

std::vector<double> random_values(int64_t size, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(size);
  for (double& e : v) e = dist(gen);
  return v;
}

template <class T>
std::vector<T> cast(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// A naive result with Σ|terms| per element, the scale its rounding error is measured against.
struct Reference {
  std::vector<double> value, magnitude;
  explicit Reference(int64_t size) : value(size, 0.0), magnitude(size, 0.0) {}
  void add(int64_t e, double term) { value[e] += term, magnitude[e] += std::abs(term); }
};

// Calls f(b, oh, ow, i, j, ih, iw) for every tap that lands inside x.
template <class F>
void for_each_tap(const Conv2dGeometry& g, F f) {
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t oh = 0; oh < g.out_h; ++oh)
      for (int64_t ow = 0; ow < g.out_w; ++ow)
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ih = oh * g.stride_h + i * g.dil_h - g.pad_top;
            const int64_t iw = ow * g.stride_w + j * g.dil_w - g.pad_left;
            if (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) f(b, oh, ow, i, j, ih, iw);
          }
}

enum class ConvKernel { forward, backward_input, backward_weight };

// The naive loop for one kernel: a is x or gy, b is w or gy, as the kernel takes them.
Reference conv_reference(const Conv2dGeometry& g, ConvKernel kernel, const std::vector<double>& a,
                         const std::vector<double>& b) {
  const int64_t sizes[] = {g.n * g.out_h * g.out_w * g.c_out, g.n * g.h * g.w * g.c_in,
                           g.kh * g.kw * g.c_in * g.c_out};
  Reference r(sizes[static_cast<int>(kernel)]);
  for_each_tap(g, [&](int64_t bi, int64_t oh, int64_t ow, int64_t i, int64_t j, int64_t ih, int64_t iw) {
    for (int64_t ci = 0; ci < g.c_in; ++ci)
      for (int64_t co = 0; co < g.c_out; ++co) {
        const int64_t xe = ((bi * g.h + ih) * g.w + iw) * g.c_in + ci;
        const int64_t we = ((i * g.kw + j) * g.c_in + ci) * g.c_out + co;
        const int64_t ye = ((bi * g.out_h + oh) * g.out_w + ow) * g.c_out + co;
        if (kernel == ConvKernel::forward) r.add(ye, a[xe] * b[we]);
        if (kernel == ConvKernel::backward_input) r.add(xe, a[ye] * b[we]);
        if (kernel == ConvKernel::backward_weight) r.add(we, a[xe] * b[ye]);
      }
  });
  return r;
}

template <class T>
std::vector<T> run_conv(const Conv2dGeometry& g, ConvKernel kernel, const std::vector<T>& a, const std::vector<T>& b) {
  switch (kernel) {
    case ConvKernel::forward: {
      std::vector<T> y(g.n * g.out_h * g.out_w * g.c_out, T(7));  // garbage: kernels overwrite
      conv2d_forward(g, a.data(), b.data(), y.data());
      return y;
    }
    case ConvKernel::backward_input: {
      std::vector<T> gx(g.n * g.h * g.w * g.c_in, T(7));
      conv2d_backward_input(g, a.data(), b.data(), gx.data());
      return gx;
    }
    default: {
      std::vector<T> gw(g.kh * g.kw * g.c_in * g.c_out, T(7));
      conv2d_backward_weight(g, a.data(), b.data(), gw.data());
      return gw;
    }
  }
}

// Inputs (a, b) for one kernel, in the order it takes them.
std::pair<std::vector<double>, std::vector<double>> conv_inputs(const Conv2dGeometry& g, ConvKernel kernel) {
  const int64_t x = g.n * g.h * g.w * g.c_in, w = g.kh * g.kw * g.c_in * g.c_out, y = g.n * g.out_h * g.out_w * g.c_out;
  if (kernel == ConvKernel::forward) return {random_values(x, 1), random_values(w, 2)};
  if (kernel == ConvKernel::backward_input) return {random_values(y, 3), random_values(w, 2)};
  return {random_values(x, 1), random_values(y, 3)};
}

template <class T>
void check_against(const std::vector<T>& got, const Reference& ref, double tol) {
  BOOST_REQUIRE_EQUAL(got.size(), ref.value.size());
  for (size_t e = 0; e < got.size(); ++e)
    if (std::abs(double(got[e]) - ref.value[e]) > tol * (ref.magnitude[e] + 1e-30)) {
      BOOST_ERROR("element " << e << ": got " << got[e] << ", reference " << ref.value[e]);
      return;
    }
}

template <class T>
void check_conv_kernel(const ConvCase& c, ConvKernel kernel, double tol) {
  const Conv2dGeometry g = c.geometry();
  auto [a, b] = conv_inputs(g, kernel);
  const std::vector<T> at = cast<T>(a), bt = cast<T>(b);
  // The reference sees exactly the values the kernel sees.
  const Reference ref = conv_reference(g, kernel, std::vector<double>(at.begin(), at.end()),
                                       std::vector<double>(bt.begin(), bt.end()));
  check_against(run_conv(g, kernel, at, bt), ref, tol);
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

template <class F>
auto with_threads(int n, F f) {
  autodiff::set_num_threads(n);
  auto result = f();
  autodiff::set_num_threads(0);
  return result;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(conv2d)

BOOST_AUTO_TEST_CASE(same_padding_matches_tensorflow_sizes) {
  // out = ceil(in/stride); pad_total = max((out-1)·stride + (k-1)·dil + 1 − in, 0); pad_top = pad_total/2
  const Conv2dGeometry a = conv2d_geometry(2, 28, 14, 1, 3, 3, 10, 1, 2, 1, 1, true);
  BOOST_TEST((a.out_h == 28 && a.pad_top == 1 && a.out_w == 7 && a.pad_left == 0));
  const Conv2dGeometry b = conv2d_geometry(1, 7, 5, 1, 4, 3, 1, 1, 2, 1, 2, true);
  BOOST_TEST((b.out_h == 7 && b.pad_top == 1 && b.out_w == 3 && b.pad_left == 2));
  const Conv2dGeometry c = conv2d_geometry(1, 3, 2, 1, 5, 5, 1, 1, 1, 1, 1, true);
  BOOST_TEST((c.out_h == 3 && c.pad_top == 2 && c.out_w == 2 && c.pad_left == 2));
}

BOOST_AUTO_TEST_CASE(valid_padding_matches_tensorflow_sizes) {
  // out = ceil((in − (k−1)·dil) / stride), no padding
  const Conv2dGeometry a = conv2d_geometry(2, 28, 7, 1, 3, 3, 10, 1, 2, 1, 1, false);
  BOOST_TEST((a.out_h == 26 && a.out_w == 3 && a.pad_top == 0 && a.pad_left == 0));
  const Conv2dGeometry b = conv2d_geometry(1, 10, 10, 1, 3, 3, 1, 1, 3, 2, 2, false);
  BOOST_TEST((b.out_h == 6 && b.out_w == 2));
}

BOOST_AUTO_TEST_CASE(geometry_rejects_bad_shapes) {
  auto says = [](const char* fragment) {
    return [fragment](const std::invalid_argument& e) { return std::string(e.what()).find(fragment) != std::string::npos; };
  };
  BOOST_CHECK_EXCEPTION(conv2d_geometry(1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 1, false), std::invalid_argument,
                        says("extent 3 exceeds input size 2"));
  BOOST_CHECK_EXCEPTION(conv2d_geometry(1, 5, 5, 1, 3, 3, 1, 0, 1, 1, 1, true), std::invalid_argument,
                        says("stride height must be >= 1, got 0"));
}

BOOST_DATA_TEST_CASE(forward_matches_naive_loop, bdata::make(conv_cases), c) {
  check_conv_kernel<float>(c, ConvKernel::forward, 1e-5);
  check_conv_kernel<double>(c, ConvKernel::forward, 1e-13);
}

BOOST_DATA_TEST_CASE(backward_input_matches_naive_loop, bdata::make(conv_cases), c) {
  check_conv_kernel<float>(c, ConvKernel::backward_input, 1e-5);
  check_conv_kernel<double>(c, ConvKernel::backward_input, 1e-13);
}

BOOST_DATA_TEST_CASE(backward_weight_matches_naive_loop, bdata::make(conv_cases), c) {
  check_conv_kernel<float>(c, ConvKernel::backward_weight, 1e-5);
  check_conv_kernel<double>(c, ConvKernel::backward_weight, 1e-13);
}

BOOST_DATA_TEST_CASE(backward_kernels_are_adjoints_of_forward, bdata::make(conv_cases), c) {
  // <conv(x, w), gy> = <x, backward_input(gy, w)> = <w, backward_weight(x, gy)>
  const Conv2dGeometry g = c.geometry();
  const auto [x, w] = conv_inputs(g, ConvKernel::forward);
  const std::vector<double> gy = conv_inputs(g, ConvKernel::backward_input).first;
  const double y_gy = dot(run_conv(g, ConvKernel::forward, x, w), gy);
  const double x_gx = dot(x, run_conv(g, ConvKernel::backward_input, gy, w));
  const double w_gw = dot(w, run_conv(g, ConvKernel::backward_weight, x, gy));
  BOOST_TEST(x_gx == y_gy, boost::test_tools::tolerance(1e-10));
  BOOST_TEST(w_gw == y_gy, boost::test_tools::tolerance(1e-10));
}

BOOST_DATA_TEST_CASE(two_threads_equal_one_bit_for_bit, bdata::make(conv_cases), c) {
  const Conv2dGeometry g = c.geometry();
  for (ConvKernel kernel : {ConvKernel::forward, ConvKernel::backward_input, ConvKernel::backward_weight}) {
    auto [a, b] = conv_inputs(g, kernel);
    const std::vector<float> at = cast<float>(a), bt = cast<float>(b);
    const auto one = with_threads(1, [&] { return run_conv(g, kernel, at, bt); });
    const auto two = with_threads(2, [&] { return run_conv(g, kernel, at, bt); });
    BOOST_TEST(bitwise_equal(one, two), "kernel " << static_cast<int>(kernel));
  }
}

BOOST_AUTO_TEST_SUITE_END()
