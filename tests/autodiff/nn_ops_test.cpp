// Forward values of the neural ops (softmax family, one_hot, conv2d, pooling) and the
// messages of their shape checks.
// GCC 12 reports a false -Wrestrict inside the case names Boost.Test generates for data test cases.
#if defined(__GNUC__) && !defined(__clang__)
#endif
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <functional>

#include "autodiff/autodiff.hpp"
#include "autodiff/ops/conv.hpp"

using namespace autodiff;
namespace bdata = boost::unit_test::data;

namespace {

void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-6) {
  const std::vector<double> v = t.to_vector();
  BOOST_TEST_REQUIRE(v.size() == expected.size());
  for (size_t i = 0; i < v.size(); ++i) BOOST_TEST(v[i] == expected[i], boost::test_tools::tolerance(tol));
}

// 1..n in row-major order.
Tensor counting(const Shape& s, DType dtype = DType::f32) { return arange(1, s.numel() + 1, 1, dtype).reshape(s); }

}  // namespace

BOOST_AUTO_TEST_SUITE(softmax_family)

BOOST_AUTO_TEST_CASE(softmax_matches_hand_values) {
  check_close(softmax(Var(Tensor::from({1, 2, 3}, {1, 3}))).value(), {0.09003057, 0.24472847, 0.66524096});
}

BOOST_AUTO_TEST_CASE(softmax_rows_sum_to_one) {
  const Tensor y = softmax(Var(randn({4, 5}, DType::f64))).value();
  check_close(sum(Var(y), {-1}).value(), {1, 1, 1, 1}, 1e-12);
}

BOOST_AUTO_TEST_CASE(softmax_on_axis_0_normalizes_columns) {
  const Tensor y = softmax(Var(Tensor::from({1, 5, 2, 5}, {2, 2})), 0).value();
  check_close(y, {0.26894142, 0.5, 0.73105858, 0.5});
}

BOOST_AUTO_TEST_CASE(log_softmax_matches_hand_values) {
  check_close(log_softmax(Var(Tensor::from({1, 2, 3}, {3}))).value(), {-2.40760596, -1.40760596, -0.40760596});
}

BOOST_AUTO_TEST_CASE(softmax_is_finite_at_logits_of_plus_minus_1000) {
  const Tensor y = softmax(Var(Tensor::from({1000, -1000, 0}, {1, 3}))).value();
  BOOST_TEST(all_finite(y));
  check_close(y, {1, 0, 0});
}

BOOST_AUTO_TEST_CASE(log_softmax_is_exact_at_logits_of_plus_minus_1000) {
  const Tensor y = log_softmax(Var(Tensor::from({1000, -1000, 0}, {1, 3}))).value();
  check_close(y, {0, -2000, -1000});
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_hand_value) {
  const Var logits(Tensor::from({1, 2, 3, 1, 2, 3}, {2, 3}));
  BOOST_TEST(cross_entropy(logits, {2, 0}).item() == (0.40760596 + 2.40760596) / 2, boost::test_tools::tolerance(1e-6));
}

BOOST_AUTO_TEST_CASE(cross_entropy_overloads_agree) {
  const Var logits(randn({3, 4}, DType::f64));
  const double by_labels = cross_entropy(logits, {3, 0, 2}).item();
  const double by_target = cross_entropy(logits, Var(one_hot({3, 0, 2}, 4, DType::f64))).item();
  BOOST_TEST(by_labels == by_target, boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(cross_entropy_and_its_gradient_are_finite_at_logits_of_plus_minus_1000) {
  const Var logits(Tensor::from({1000, -1000, -1000, 1000}, {2, 2}), true);
  const Var loss = cross_entropy(logits, {1, 1});
  BOOST_TEST(loss.item() == 1000.0, boost::test_tools::tolerance(1e-6));  // (2000 + 0) / 2
  const Tensor g = grad(loss, {logits})[0].value();
  BOOST_TEST(all_finite(g));
  check_close(g, {0.5, -0.5, 0, 0});  // (softmax − one_hot) / batch
}

BOOST_AUTO_TEST_CASE(one_hot_sets_one_entry_per_row) {
  const Tensor t = one_hot({2, 0}, 3);
  BOOST_TEST(t.shape() == (Shape{2, 3}));
  BOOST_TEST(t.dtype() == DType::f32);
  check_close(t, {0, 0, 1, 1, 0, 0});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(convolution_and_pooling)

// x = 1..9 as [1,3,3,1], w = [[1,2],[3,4]]: y[i,j] = x[i,j] + 2x[i,j+1] + 3x[i+1,j] + 4x[i+1,j+1].
BOOST_AUTO_TEST_CASE(conv2d_valid_matches_hand_values) {
  const Var y = conv2d(Var(counting({1, 3, 3, 1})), Var(counting({2, 2, 1, 1})), {.padding = "valid"});
  BOOST_TEST(y.shape() == (Shape{1, 2, 2, 1}));
  check_close(y.value(), {37, 47, 67, 77});
}

BOOST_AUTO_TEST_CASE(conv2d_same_pads_after_like_tensorflow) {
  const Var y = conv2d(Var(counting({1, 3, 3, 1})), Var(counting({2, 2, 1, 1})), {.padding = "same"});
  check_close(y.value(), {37, 47, 21, 67, 77, 33, 23, 26, 9});
}

BOOST_AUTO_TEST_CASE(conv2d_stride_2_keeps_every_other_window) {
  const Var y = conv2d(Var(counting({1, 3, 3, 1})), Var(counting({2, 2, 1, 1})), {.strides = {2, 2}, .padding = "same"});
  check_close(y.value(), {37, 21, 23, 9});
}

BOOST_AUTO_TEST_CASE(conv2d_sums_over_input_channels_per_output_channel) {
  // Two input channels (1 and 10 everywhere), 1×1 kernel mapping them to [1·1 + 10·2, 1·3 + 10·4].
  const Tensor x = Tensor::from({1, 10, 1, 10}, {1, 1, 2, 2});
  const Var y = conv2d(Var(x), Var(Tensor::from({1, 3, 2, 4}, {1, 1, 2, 2})));
  check_close(y.value(), {21, 43, 21, 43});
}

BOOST_AUTO_TEST_CASE(max_pool2d_takes_each_window_maximum) {
  const Var y = max_pool2d(Var(counting({1, 4, 4, 1})));
  BOOST_TEST(y.shape() == (Shape{1, 2, 2, 1}));
  check_close(y.value(), {6, 8, 14, 16});
}

BOOST_AUTO_TEST_CASE(max_pool2d_gradient_goes_to_the_maxima) {
  const Var x(counting({1, 4, 4, 1}), true);
  check_close(grad(sum(max_pool2d(x)), {x})[0].value(), {0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1});
}

BOOST_AUTO_TEST_CASE(avg_pool2d_valid_averages_each_window) {
  check_close(avg_pool2d(Var(counting({1, 4, 4, 1}))).value(), {3.5, 5.5, 11.5, 13.5});
}

BOOST_AUTO_TEST_CASE(avg_pool2d_same_does_not_count_padding) {
  check_close(avg_pool2d(Var(counting({1, 3, 3, 1})), {2, 2}, {.padding = "same"}).value(), {3, 4.5, 7.5, 9});
}

BOOST_AUTO_TEST_CASE(pooling_accepts_non_contiguous_input) {
  const Tensor x = counting({1, 4, 4, 1}).permute({0, 2, 1, 3});  // spatially transposed view
  check_close(max_pool2d(Var(x)).value(), {6, 14, 8, 16});
}

BOOST_AUTO_TEST_SUITE_END()


// The fast paths (fused conv bias, the 2×2 stride 2 pool, the bias gradient's column sum) against plain
// references, on random inputs with ties and odd sizes, and for 1 and 2 threads bit for bit.
BOOST_AUTO_TEST_SUITE(fast_paths)

struct Threads {
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
  Threads(const Threads&) = delete;
  Threads& operator=(const Threads&) = delete;
};

bool bit_identical(const Tensor& a, const Tensor& b) {
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(ca.data<float>(), cb.data<float>(), a.numel() * (a.dtype() == DType::f64 ? 8 : 4)) == 0;
}

// Values from a few levels only, so that many windows hold ties.
Tensor few_levels(const Shape& s, DType dtype, uint64_t seed) {
  Generator gen(seed);
  const Tensor u = rand(s, gen, DType::f64);
  std::vector<double> v = u.to_vector();
  for (double& e : v) e = std::floor(e * 4) - 2;
  return Tensor::from(v, s, dtype);
}

// The plain max pool (first maximum in row-major window order) and its gradient for an all-ones seed g·1
// with g = 1 + index, so that every output's gradient is distinct.
std::pair<std::vector<double>, std::vector<double>> naive_max_pool(const Tensor& x, int64_t ph, int64_t pw) {
  const Shape& s = x.shape();
  const std::vector<double> v = x.to_vector();
  const int64_t oh = s[1] / ph, ow = s[2] / pw;
  std::vector<double> y, gx(v.size(), 0.0);
  for (int64_t b = 0; b < s[0]; ++b)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j)
        for (int64_t c = 0; c < s[3]; ++c) {
          int64_t best = -1;
          for (int64_t di = 0; di < ph; ++di)
            for (int64_t dj = 0; dj < pw; ++dj) {
              const int64_t e = ((b * s[1] + i * ph + di) * s[2] + j * pw + dj) * s[3] + c;
              if (best < 0 || v[e] > v[best]) best = e;
            }
          gx[best] += static_cast<double>(y.size() + 1);
          y.push_back(v[best]);
        }
  return {y, gx};
}

BOOST_DATA_TEST_CASE(max_pool_2x2_matches_the_plain_loop,
                     bdata::make(std::vector<Shape>{{2, 28, 28, 10}, {3, 7, 9, 3}, {2, 5, 6, 8}, {1, 6, 5, 17}, {2, 4, 4, 1}}),
                     shape) {
  for (DType dtype : {DType::f32, DType::f64}) {
    const Var x(few_levels(shape, dtype, 7), true);
    const Var y = max_pool2d(x);
    const auto [want_y, want_gx] = naive_max_pool(x.value(), 2, 2);
    const Tensor seed = arange(1, y.numel() + 1, 1, dtype).reshape(y.shape());
    const Tensor gx = grad(sum(y * Var(seed)), {x})[0].value();
    BOOST_TEST(y.value().to_vector() == want_y, boost::test_tools::per_element());
    BOOST_TEST(gx.to_vector() == want_gx, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(max_pool_2x2_equals_the_general_path_of_a_same_window) {
  // 2×2 stride 2 "same" on even sizes is the fast path; stride (2, 2) with a 2×2 window on a view that
  // needs one padded column (width 7, same) takes the general loop for that geometry. Both agree where
  // they share windows: compare the first three columns of outputs.
  const Tensor x = few_levels({2, 6, 7, 10}, DType::f32, 11);
  const Tensor general = max_pool2d(Var(x), {2, 2}, {.padding = "same"}).value();  // out [2, 3, 4, 10]
  const Tensor fast = max_pool2d(Var(x.slice(2, 0, 6).contiguous())).value();          // out [2, 3, 3, 10]
  BOOST_TEST(fast.to_vector() == general.slice(2, 0, 3).contiguous().to_vector(), boost::test_tools::per_element());
}

// |a − b| <= atol elementwise.
void check_near(const Tensor& a, const Tensor& b, double atol) {
  const std::vector<double> u = a.to_vector(), v = b.to_vector();
  BOOST_TEST_REQUIRE(u.size() == v.size());
  double worst = 0;
  for (size_t i = 0; i < u.size(); ++i) worst = std::max(worst, std::abs(u[i] - v[i]));
  BOOST_TEST(worst <= atol);
}

BOOST_AUTO_TEST_CASE(conv2d_with_bias_equals_conv2d_plus_bias) {
  Generator gen(5);
  for (DType dtype : {DType::f32, DType::f64}) {
    const Tensor xt = randn({3, 9, 8, 4}, gen, dtype), wt = randn({3, 3, 4, 10}, gen, dtype),
                 bt = randn({10}, gen, dtype);
    const double atol = dtype == DType::f32 ? 1e-4 : 1e-12;
    for (const Conv2dOptions& o : {Conv2dOptions{.padding = "same"}, Conv2dOptions{.strides = {2, 1}}}) {
      const Tensor seed = randn(conv2d(Var(xt), Var(wt), o).shape(), gen, dtype);
      // Forward value and the three gradients, fused or as conv2d + bias.
      const auto run = [&](bool fused) {
        const Var x(xt, true), w(wt, true), b(bt, true);
        const Var y = fused ? conv2d(x, w, b, o) : conv2d(x, w, o) + b;
        std::vector<Tensor> out{y.value()};
        for (const Var& g : grad(sum(y * Var(seed)), {x, w, b})) out.push_back(g.value());
        return out;
      };
      const std::vector<Tensor> fused = run(true), plain = run(false);
      for (size_t i = 0; i < fused.size(); ++i) check_near(fused[i], plain[i], atol);
    }
  }
}

BOOST_AUTO_TEST_CASE(bias_gradient_sums_columns_like_a_double_loop) {
  // [batch·pixels, channels] with few columns and many rows: the chunked column sum.
  Generator gen(9);
  for (const int64_t m : {10, 3, 200}) {
    const Tensor g = randn({50000 / m + 7, m}, gen);
    const std::vector<double> v = g.to_vector();
    std::vector<double> want(m, 0.0);
    for (size_t e = 0; e < v.size(); ++e) want[e % m] += v[e];
    BOOST_TEST(sum(Var(g), {0}).value().to_vector() == want,
               boost::test_tools::tolerance(1e-4) << boost::test_tools::per_element());
    const Tensor mx = max(Var(g), {0}).value();
    std::vector<double> want_max(m, -1e30);
    for (size_t e = 0; e < v.size(); ++e) want_max[e % m] = std::max(want_max[e % m], v[e]);
    BOOST_TEST(mx.to_vector() == want_max, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(cnn_ops_give_the_same_bits_for_one_and_two_threads) {
  Generator gen(13);
  const Tensor x = randn({16, 28, 28, 1}, gen), w1 = randn({3, 3, 1, 10}, gen), b1 = randn({10}, gen),
               w2 = randn({3, 3, 10, 10}, gen), b2 = randn({10}, gen);
  const auto run = [&](int threads) {
    Threads t(threads);
    const Var vw1(w1, true), vb1(b1, true), vw2(w2, true), vb2(b2, true);
    const Var h = max_pool2d(conv2d(Var(x), vw1, vb1, {.padding = "same"}));
    const Var y = max_pool2d(conv2d(h, vw2, vb2, {.padding = "same"}));
    std::vector<Tensor> out{y.value()};
    for (const Var& g : grad(sum(y * y), {vw1, vb1, vw2, vb2})) out.push_back(g.value());
    return out;
  };
  const std::vector<Tensor> one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) BOOST_TEST(bit_identical(one[i], two[i]), "output " << i);
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

struct ErrorCase {
  std::string name;
  std::function<void()> run;
  std::string message;  // the whole message
  std::function<bool(const std::exception&)> is_expected_type;
};
std::ostream& operator<<(std::ostream& os, const ErrorCase& c) { return os << c.name; }

template <class E>
ErrorCase expect(std::string name, std::function<void()> run, std::string message) {
  return {std::move(name), std::move(run), std::move(message),
          [](const std::exception& e) { return dynamic_cast<const E*>(&e) != nullptr; }};
}

Var zeros_var(const Shape& s, DType dtype = DType::f32) { return Var(zeros(s, dtype)); }

std::vector<ErrorCase> matmul_and_softmax_errors() {
  return {
      expect<ShapeError>("matmul inner dimensions", [] { matmul(zeros_var({2, 3}), zeros_var({4, 5})); },
                         "matmul: inner dimensions differ; got [2, 3] and [4, 5]"),
      expect<ShapeError>("matmul scalar operand", [] { matmul(zeros_var({}), zeros_var({3})); },
                         "matmul: operands must have rank >= 1; got [] and [3]"),
      expect<ValueError>("matmul dtypes", [] { matmul(zeros_var({2, 3}), zeros_var({3, 2}, DType::f64)); },
                         "matmul: dtypes differ; got float32 [2, 3] and float64 [3, 2]"),
      expect<ShapeError>("matmul batch", [] { matmul(zeros_var({2, 3, 4}), zeros_var({3, 4, 5})); },
                         "matmul: batch dimensions cannot be broadcast; got [2, 3, 4] and [3, 4, 5]"),
      expect<ShapeError>("matmul vector", [] { matmul(zeros_var({3}), zeros_var({4, 5})); },
                         "matmul: inner dimensions differ; got [3] and [4, 5]"),
      expect<ShapeError>("addmm operands", [] { addmm(zeros_var({4}), zeros_var({2, 3}), zeros_var({4, 4})); },
                         "addmm: expected a [m,k] and b [k,n]; got [2, 3] and [4, 4]"),
      expect<ShapeError>("addmm addend", [] { addmm(zeros_var({2, 5}), zeros_var({2, 3}), zeros_var({3, 4})); },
                         "addmm: shapes cannot be broadcast together; got [2, 5] and [2, 4]"),
      expect<ShapeError>("addmm addend rank", [] { addmm(zeros_var({1, 2, 4}), zeros_var({2, 3}), zeros_var({3, 4})); },
                         "addmm: c [1, 2, 4] does not broadcast to the product's shape [2, 4]"),
      expect<ShapeError>("outer of 2-d", [] { outer(zeros_var({2, 3}), zeros_var({3})); },
                         "outer: operands must be 1-d; got [2, 3] and [3]"),
      expect<ShapeError>("softmax of a scalar", [] { softmax(zeros_var({})); },
                         "softmax: input must have rank >= 1; got []"),
      expect<IndexError>("log_softmax axis", [] { log_softmax(zeros_var({2, 3}), 2); },
                         "log_softmax: axis 2 is out of range for rank 2"),
      expect<ShapeError>("cross_entropy target shape", [] { cross_entropy(zeros_var({2, 3}), zeros_var({2, 4})); },
                         "cross_entropy: target shape differs from logits; got [2, 3] and [2, 4]"),
      expect<ShapeError>("cross_entropy label count", [] { cross_entropy(zeros_var({2, 5}), {0, 1, 2}); },
                         "cross_entropy: 3 labels for a batch of logits [2, 5]"),
      expect<ShapeError>("cross_entropy labels for 1-d logits", [] { cross_entropy(zeros_var({5}), std::vector<int64_t>{0}); },
                         "cross_entropy: logits must be [batch, classes]; got [5]"),
      expect<IndexError>("cross_entropy label range", [] { cross_entropy(zeros_var({2, 5}), {0, 5}); },
                         "cross_entropy: label 5 at index 1 is out of range for 5 classes"),
      expect<IndexError>("one_hot negative label", [] { one_hot({1, -1}, 3); },
                         "one_hot: label -1 at index 1 is out of range for 3 classes"),
      expect<ValueError>("one_hot no classes", [] { one_hot({}, 0); }, "one_hot: classes must be >= 1; got 0"),
  };
}

std::vector<ErrorCase> conv_and_pool_errors() {
  const Var x = zeros_var({1, 4, 4, 1});
  return {
      expect<ShapeError>("conv2d channels", [] { conv2d(zeros_var({2, 5, 5, 3}), zeros_var({3, 3, 4, 8})); },
                         "conv2d: input channels differ; got input [2, 5, 5, 3] and weight [3, 3, 4, 8]"),
      expect<ShapeError>("conv2d input rank", [] { conv2d(zeros_var({5, 5, 3}), zeros_var({3, 3, 3, 8})); },
                         "conv2d: input must be [batch, height, width, channels]; got [5, 5, 3]"),
      expect<ShapeError>("conv2d weight rank", [] { conv2d(zeros_var({1, 5, 5, 3}), zeros_var({3, 3, 8})); },
                         "conv2d: weight must be [kh, kw, c_in, c_out]; got [3, 3, 8]"),
      expect<ValueError>("conv2d dtypes", [] { conv2d(zeros_var({1, 3, 3, 1}), zeros_var({1, 1, 1, 1}, DType::f64)); },
                         "conv2d: dtypes differ; got float32 [1, 3, 3, 1] and float64 [1, 1, 1, 1]"),
      expect<ShapeError>("conv2d kernel larger than valid input",
                         [x] { conv2d(x, zeros_var({3, 3, 1, 1}), {.dilation = {2, 2}}); },
                         "conv2d: dilated kernel extent [5, 5] exceeds the input with valid padding; got input "
                         "[1, 4, 4, 1] and weight [3, 3, 1, 1]"),
      expect<ValueError>("conv2d padding", [x] { conv2d(x, zeros_var({1, 1, 1, 1}), {.padding = "full"}); },
                         "conv2d: padding must be \"same\" or \"valid\"; got \"full\""),
      expect<ValueError>("conv2d stride", [x] { conv2d(x, zeros_var({1, 1, 1, 1}), {.strides = {0, 1}}); },
                         "conv2d: strides must be >= 1; got [0, 1]"),
      expect<ShapeError>("conv2d bias shape",
                         [] { conv2d(zeros_var({1, 5, 5, 3}), zeros_var({3, 3, 3, 8}), zeros_var({3})); },
                         "conv2d: bias must be [c_out]; got bias [3] for weight [3, 3, 3, 8]"),
      expect<ValueError>("conv2d bias dtype",
                         [] { conv2d(zeros_var({1, 3, 3, 1}), zeros_var({1, 1, 1, 2}), zeros_var({2}, DType::f64)); },
                         "conv2d: dtypes differ; got float32 [1, 3, 3, 1] and float64 [2]"),
      expect<ShapeError>("max_pool2d rank", [] { max_pool2d(zeros_var({4, 4})); },
                         "max_pool2d: input must be [batch, height, width, channels]; got [4, 4]"),
      expect<ShapeError>("max_pool2d pool larger than valid input", [] { max_pool2d(zeros_var({1, 2, 2, 1}), {3, 3}); },
                         "max_pool2d: pool [3, 3] exceeds the input with valid padding; got [1, 2, 2, 1]"),
      expect<ValueError>("avg_pool2d pool", [x] { avg_pool2d(x, {0, 2}); }, "avg_pool2d: pool must be >= 1; got [0, 2]"),
      expect<ValueError>("avg_pool2d padding", [x] { avg_pool2d(x, {2, 2}, {.padding = "SAME"}); },
                         "avg_pool2d: padding must be \"same\" or \"valid\"; got \"SAME\""),
  };
}

std::vector<ErrorCase> error_cases() {
  std::vector<ErrorCase> out = matmul_and_softmax_errors();
  for (ErrorCase& c : conv_and_pool_errors()) out.push_back(std::move(c));
  return out;
}

}  // namespace

BOOST_DATA_TEST_CASE(bad_input_errors_name_op_and_shapes, bdata::make(error_cases()), c) {
  BOOST_CHECK_EXCEPTION(c.run(), std::exception, [&](const std::exception& e) {
    BOOST_TEST(c.is_expected_type(e), "wrong exception type for " << c.name);
    BOOST_TEST(std::string(e.what()) == c.message);
    return c.is_expected_type(e) && std::string(e.what()) == c.message;
  });
}
