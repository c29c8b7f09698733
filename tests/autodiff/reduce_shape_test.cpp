// Known forward values, exact gradients at awkward points, stability at ±1000 and
// thread-count determinism for the reduction and shape families. Their error
// messages are checked in reduce_shape_errors_test.cpp.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "autodiff/autodiff.hpp"

using namespace autodiff;
using Values = std::vector<double>;
namespace tt = boost::test_tools;

namespace {

Var f64(std::initializer_list<double> values, const Shape& shape) {
  return Var(Tensor::from(values, shape, DType::f64));
}
Values values(const Var& v) { return v.value().to_vector(); }

Values grad_of(const std::function<Var(const Var&)>& f, const Tensor& x) {
  TapeScope scope;
  const Var xv(x, true);
  return grad(f(xv), {xv})[0].value().to_vector();
}

// Restores the default thread count even when a check throws.
struct Threads {
  explicit Threads(int n) { set_num_threads(n); }
  ~Threads() { set_num_threads(0); }
};

// f32 → f64 is exact, so equal doubles mean equal bits.
bool bit_identical(const Tensor& a, const Tensor& b) {
  const Values u = a.to_vector(), v = b.to_vector();
  return a.shape() == b.shape() && std::memcmp(u.data(), v.data(), u.size() * sizeof(double)) == 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reductions_match_hand_computed_values) {
  const Var x = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_TEST(values(sum(x, {0})) == (Values{5, 7, 9}), tt::per_element());
  BOOST_TEST(values(mean(x, {1})) == (Values{2, 5}), tt::per_element());
  BOOST_TEST(max(x, {-1}, true).shape() == (Shape{2, 1}));
  BOOST_TEST(values(max(x, {-1}, true)) == (Values{3, 6}), tt::per_element());
  BOOST_TEST(min(x).item() == 1.0);
  BOOST_TEST(values(prod(x, {1})) == (Values{6, 120}), tt::per_element());
  BOOST_TEST(prod(x).item() == 720.0);
  BOOST_TEST(prod(x, {0, 1}, true).shape() == (Shape{1, 1}));
}

BOOST_AUTO_TEST_CASE(var_matches_numpy_with_and_without_ddof) {
  const Var x = f64({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4});
  BOOST_TEST(var(f64({1, 2, 3, 4}, {4})).item() == 1.25, tt::tolerance(1e-15));
  BOOST_TEST(var(f64({1, 2, 3, 4}, {4}), {}, false, 1).item() == 5.0 / 3.0, tt::tolerance(1e-15));
  BOOST_TEST(values(var(x, {1})) == (Values{1.25, 5.0}), tt::per_element());
  BOOST_TEST(var(x, {0}, true).shape() == (Shape{1, 4}));
  BOOST_TEST(values(var(x, {0}, true)) == (Values{0.25, 1, 2.25, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(prod_gradient_is_exact_with_zeros) {
  const auto f = [](const Var& v) { return prod(v); };
  BOOST_TEST(grad_of(f, Tensor::from({2, 5, 3}, {3}, DType::f64)) == (Values{15, 6, 10}), tt::per_element());
  BOOST_TEST(grad_of(f, Tensor::from({2, 0, 3}, {3}, DType::f64)) == (Values{0, 6, 0}), tt::per_element());
  BOOST_TEST(grad_of(f, Tensor::from({0, 0, 3}, {3}, DType::f64)) == (Values{0, 0, 0}), tt::per_element());
  // Per row: no zero, one zero, two zeros.
  const auto rows = [](const Var& v) { return sum(prod(v, {1})); };
  BOOST_TEST(grad_of(rows, Tensor::from({2, 3, 0, 4, 0, 0}, {3, 2}, DType::f64)) == (Values{3, 2, 4, 0, 0, 0}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(prod_hessian_is_exact_with_zeros) {
  // ∂²Π/∂xᵢ∂xⱼ = Π_{l≠i,j} x_l off the diagonal, 0 on it.
  const auto f = [](const Var& v) { return prod(v); };
  BOOST_TEST(hessian(f, Tensor::from({2, 5, 3}, {3}, DType::f64)).to_vector() == (Values{0, 3, 5, 3, 0, 2, 5, 2, 0}),
             tt::per_element());
  BOOST_TEST(hessian(f, Tensor::from({2, 0, 3}, {3}, DType::f64)).to_vector() == (Values{0, 3, 0, 3, 0, 2, 0, 2, 0}),
             tt::per_element());
  BOOST_TEST(hessian(f, Tensor::from({0, 0, 3}, {3}, DType::f64)).to_vector() == (Values{0, 3, 0, 3, 0, 0, 0, 0, 0}),
             tt::per_element());
  BOOST_TEST(hessian(f, Tensor::from({0, 0, 0}, {3}, DType::f64)).to_vector() == Values(9, 0.0), tt::per_element());
}

BOOST_AUTO_TEST_CASE(logsumexp_is_stable_at_plus_and_minus_1000) {
  for (DType d : {DType::f32, DType::f64}) {
    const Var big(Tensor::from({1000, 1000}, {2}, d)), small(Tensor::from({-1000, -1000}, {2}, d));
    BOOST_TEST(logsumexp(big).item() == 1000 + std::log(2.0), tt::tolerance(1e-6));
    BOOST_TEST(logsumexp(small).item() == -1000 + std::log(2.0), tt::tolerance(1e-6));
    BOOST_TEST(grad_of([](const Var& v) { return logsumexp(v); }, big.value()) == (Values{0.5, 0.5}),
               tt::per_element());
  }
  const Var rows = f64({1000, 0, -1000, -1001}, {2, 2});
  BOOST_TEST(values(logsumexp(rows, {1})) == (Values{1000, -1000 + std::log1p(std::exp(-1.0))}),
             tt::tolerance(1e-12) << tt::per_element());
}

BOOST_AUTO_TEST_CASE(logsumexp_of_all_minus_infinity_is_minus_infinity) {
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(logsumexp(f64({-inf, -inf}, {2})).item() == -inf);
}

BOOST_AUTO_TEST_CASE(reductions_are_exact_around_1000) {
  const Var x(Tensor::from({1000, 1001, 1002, -1000, -1001, -1002}, {2, 3}, DType::f32));
  BOOST_TEST(values(mean(x, {1})) == (Values{1001, -1001}), tt::per_element());
  BOOST_TEST(values(var(x, {1})) == (Values{2.0 / 3.0, 2.0 / 3.0}), tt::tolerance(1e-6) << tt::per_element());
  BOOST_TEST(values(max(x, {0})) == (Values{1000, 1001, 1002}), tt::per_element());
  BOOST_TEST(sum(x).item() == 0.0);
}

BOOST_AUTO_TEST_CASE(sums_are_bit_identical_for_one_and_two_threads) {
  Generator gen(3);
  const Tensor x = randn({1 << 20}, gen), m = randn({1000, 1000}, gen);
  Tensor total1, cols1, total2, cols2;
  {
    Threads one(1);
    total1 = sum(Var(x)).value();
    cols1 = sum(Var(m), {0}).value();
  }
  {
    Threads two(2);
    total2 = sum(Var(x)).value();
    cols2 = sum(Var(m), {0}).value();
  }
  BOOST_TEST(bit_identical(total1, total2));
  BOOST_TEST(bit_identical(cols1, cols2));
}

BOOST_AUTO_TEST_CASE(scatter_gradients_are_bit_identical_for_one_and_two_threads) {
  Generator gen(5);
  const Tensor x = randn({4, 50000}, gen);
  const std::vector<int64_t> idx = {1, 3, 1, 1, 0, 3, 1, 2, 1, 3};
  const Tensor w = randn({10, 50000}, gen);
  const auto f = [&](const Var& v) { return sum(index_select(v, 0, idx) * Var(w)); };
  Values one, two;
  {
    Threads t(1);
    one = grad_of(f, x);
  }
  {
    Threads t(2);
    two = grad_of(f, x);
  }
  BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
}

BOOST_AUTO_TEST_CASE(slice_follows_python_rules) {
  const Var x(arange(0, 10, 1, DType::f64));
  BOOST_TEST(values(slice(x, 0, -3, 100)) == (Values{7, 8, 9}), tt::per_element());
  BOOST_TEST(values(slice(x, 0, 1, 8, 3)) == (Values{1, 4, 7}), tt::per_element());
  BOOST_TEST(values(slice(x, 0, -100, 2)) == (Values{0, 1}), tt::per_element());
  BOOST_TEST(values(slice(x, 0, 2, -1, 4)) == (Values{2, 6}), tt::per_element());
  BOOST_TEST(slice(x, 0, 5, 2).shape() == (Shape{0}));
  const Var m = f64({0, 1, 2, 3, 4, 5}, {2, 3});
  BOOST_TEST(values(slice(m, -1, -2, 3)) == (Values{1, 2, 4, 5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(slice_is_a_view_and_its_gradient_is_scattered) {
  const Var x(arange(0, 5, 1, DType::f64));
  BOOST_TEST(slice(x, 0, 1, 5, 2).value().storage() == x.value().storage());
  BOOST_TEST(grad_of([](const Var& v) { return sum(slice(v, 0, 1, 5, 2)); }, x.value()) ==
                 (Values{0, 1, 0, 1, 0}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(pad_fills_with_the_value_and_passes_the_interior_gradient) {
  BOOST_TEST(values(pad(f64({1, 2}, {2}), {{1, 2}})) == (Values{0, 1, 2, 0, 0}), tt::per_element());
  const Var p = pad(f64({1, 2, 3, 4}, {2, 2}), {{0, 1}, {1, 0}}, -1);
  BOOST_TEST(p.shape() == (Shape{3, 3}));
  BOOST_TEST(values(p) == (Values{-1, 1, 2, -1, 3, 4, -1, -1, -1}), tt::per_element());
  const Tensor w = Tensor::from({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3}, DType::f64);
  const auto f = [&](const Var& v) { return sum(pad(v, {{0, 1}, {1, 0}}) * Var(w)); };
  BOOST_TEST(grad_of(f, zeros({2, 2}, DType::f64)) == (Values{2, 3, 5, 6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(concat_and_split_round_trip) {
  const Var x = f64({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {2, 6});
  const std::vector<Var> parts = split(x, {1, 3, 2}, -1);
  BOOST_TEST(parts.size() == 3u);
  BOOST_TEST(parts[1].shape() == (Shape{2, 3}));
  BOOST_TEST(values(parts[2]) == (Values{4, 5, 10, 11}), tt::per_element());
  BOOST_TEST(values(concat(parts, 1)) == values(x), tt::per_element());
  const Var rows = concat({f64({1, 2}, {1, 2}), f64({3, 4, 5, 6}, {2, 2})}, 0);
  BOOST_TEST(rows.shape() == (Shape{3, 2}));
  BOOST_TEST(values(rows) == (Values{1, 2, 3, 4, 5, 6}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(stack_adds_a_new_axis) {
  const Var a = f64({1, 2}, {2}), b = f64({3, 4}, {2});
  BOOST_TEST(stack({a, b}).shape() == (Shape{2, 2}));
  BOOST_TEST(values(stack({a, b})) == (Values{1, 2, 3, 4}), tt::per_element());
  BOOST_TEST(values(stack({a, b}, -1)) == (Values{1, 3, 2, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gather_follows_torch_and_scatters_its_gradient) {
  const Var x = f64({1, 2, 3, 4}, {2, 2});
  const Tensor idx = Tensor::from({0, 0, 1, 0}, {2, 2});  // f32 indices gather from f64 values
  BOOST_TEST(values(gather(x, 1, idx)) == (Values{1, 1, 4, 3}), tt::per_element());
  BOOST_TEST(values(gather(x, 0, Tensor::from({1, 0}, {1, 2}))) == (Values{3, 2}), tt::per_element());
  BOOST_TEST(grad_of([&](const Var& v) { return sum(gather(v, 1, idx)); }, x.value()) == (Values{2, 0, 1, 1}),
             tt::per_element());
}

BOOST_AUTO_TEST_CASE(index_select_repeats_rows_and_accumulates_their_gradient) {
  const Var x = f64({1, 2, 3, 4, 5, 6}, {3, 2});
  BOOST_TEST(values(index_select(x, 0, {2, 0, 2})) == (Values{5, 6, 1, 2, 5, 6}), tt::per_element());
  BOOST_TEST(values(index_select(x, -1, {1})) == (Values{2, 4, 6}), tt::per_element());
  BOOST_TEST(grad_of([](const Var& v) { return sum(index_select(v, 0, {2, 0, 2})); }, x.value()) ==
                 (Values{1, 1, 0, 0, 2, 2}),
             tt::per_element());
}
