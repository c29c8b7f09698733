// Derivatives at kinks and ties, where finite differences cannot judge: each row states PyTorch's value
// (torch 1.13 autograd in f64) of the first and second derivative of a scalar function at one point, with
// one documented exception (elu at 0). A composite's derivative must equal that of the function it stands
// for wherever that function is smooth (softplus at 0), and at a true kink it takes PyTorch's convention
// (docs/autodiff.md, "Kinks and ties").
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "autodiff/autodiff.hpp"

using namespace autodiff;
namespace bdata = boost::unit_test::data;

namespace {

struct Kink {
  std::string name;
  std::function<Var(const Var&)> f;
  double at, d1, d2;
};
std::ostream& operator<<(std::ostream& os, const Kink& k) { return os << k.name; }

Var c(double v, const Var& like) { return scalar_like(v, like); }

const std::vector<Kink> kinks{
    {"softplus at 0", [](const Var& x) { return softplus(x); }, 0.0, 0.5, 0.25},
    {"relu at 0", [](const Var& x) { return relu(x); }, 0.0, 0.0, 0.0},
    {"abs at 0", [](const Var& x) { return abs(x); }, 0.0, 0.0, 0.0},
    {"leaky_relu at 0", [](const Var& x) { return leaky_relu(x, 0.1); }, 0.0, 0.1, 0.0},
    // torch's second derivative of elu at 0 is 0 (its positive piece) while its first is α (the negative
    // piece's): Wengert takes the negative piece for both, a documented choice.
    {"elu at 0", [](const Var& x) { return elu(x, 2.0); }, 0.0, 2.0, 2.0},
    {"clamp at lo", [](const Var& x) { return clamp(x, -1.0, 1.0); }, -1.0, 1.0, 0.0},
    {"clamp at hi", [](const Var& x) { return clamp(x, -1.0, 1.0); }, 1.0, 1.0, 0.0},
    {"maximum tie", [](const Var& x) { return maximum(x, c(0.0, x)); }, 0.0, 0.5, 0.0},
    {"minimum tie", [](const Var& x) { return minimum(x, c(0.0, x)); }, 0.0, 0.5, 0.0},
    {"maximum of x with itself", [](const Var& x) { return maximum(x, x) * x; }, 3.0, 6.0, 2.0},
    {"maximum tie, squared", [](const Var& x) { return maximum(x * x, c(4.0, x)); }, 2.0, 2.0, 1.0},
    {"pow x^2 at 0", [](const Var& x) { return pow(x, 2.0); }, 0.0, 0.0, 2.0},
    {"pow base 0, exponent 2", [](const Var& x) { return pow(x, c(2.0, x)); }, 0.0, 0.0, 2.0},
    {"pow exponent 0, base 0", [](const Var& x) { return pow(x, c(0.0, x)); }, 0.0, 0.0, 0.0},
    {"pow d/dexponent at base 0", [](const Var& x) { return pow(c(0.0, x), x); }, 2.0, 0.0, 0.0},
    {"max of a tied pair", [](const Var& x) { return max(concat({x, x * 1.0, reshape(c(-1.0, x), {1})})); }, 1.0,
     1.0, 0.0},
    {"prod at a zero", [](const Var& x) { return prod(concat({x, x * 3.0})); }, 0.0,
     0.0, 6.0},
};

Var at(double v) { return Var(Tensor::from({v}, {1}, DType::f64), true); }

}  // namespace

BOOST_DATA_TEST_CASE(first_and_second_derivative_match_pytorch, bdata::make(kinks), k) {
  const Var x = at(k.at);
  const Var y = sum(k.f(x));
  const Var d1 = grad(y, {x}, {.create_graph = true})[0];
  BOOST_TEST(d1.value().to_vector()[0] == k.d1);
  // A slope that is constant near the point (relu's, clamp's) is not on the tape: its derivative is 0.
  const double d2 = d1.requires_grad() ? grad(sum(d1), {x})[0].value().to_vector()[0] : 0.0;
  BOOST_TEST(d2 == k.d2);
}

// max(x, 0) + ln(1 + e^−|x|) has kinks at 0 that do not cancel; the primitive's derivatives are σ's everywhere.
BOOST_AUTO_TEST_CASE(softplus_derivatives_are_the_sigmoid_family_everywhere) {
  for (double v : {-30.0, -1.0, 0.0, 1e-300, 2.0, 30.0}) {
    const Var x = at(v);
    const Var d1 = grad(sum(softplus(x)), {x}, {.create_graph = true})[0];
    const Var d2 = grad(sum(d1), {x}, {.create_graph = true})[0];
    const Var d3 = grad(sum(d2), {x})[0];
    const double s = 1.0 / (1.0 + std::exp(-v));
    BOOST_TEST(d1.value().to_vector()[0] == s, boost::test_tools::tolerance(1e-15));
    BOOST_TEST(d2.value().to_vector()[0] == s * (1 - s), boost::test_tools::tolerance(1e-15));
    BOOST_TEST(d3.value().to_vector()[0] == s * (1 - s) * (1 - 2 * s), boost::test_tools::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_propagate_nan_from_either_side) {
  const Var nan(Tensor::from({std::nan("")}, {1}, DType::f64)), one(Tensor::from({1.0}, {1}, DType::f64));
  for (const Var& y : {maximum(nan, one), maximum(one, nan), minimum(nan, one), minimum(one, nan)})
    BOOST_TEST(std::isnan(y.value().to_vector()[0]));
}

// ∂³(x₀x₁x₂x₃) at x = [0, 0, 3, 2] is x₃ = 2 for ∂x₂∂x₀∂x₁, whichever order the three are taken in.
BOOST_AUTO_TEST_CASE(prod_third_derivative_with_two_zeros_is_order_independent) {
  const std::vector<std::vector<size_t>> orders{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  for (const auto& order : orders) {
    const Var x(Tensor::from({0.0, 0.0, 3.0, 2.0}, {4}, DType::f64), true);
    Var y = prod(x);
    for (size_t step = 0; step < 3; ++step) {
      const Var g = grad(y, {x}, {.create_graph = step < 2})[0];
      const auto k = static_cast<int64_t>(order[step]);
      y = sum(slice(g, 0, k, k + 1));
    }
    BOOST_TEST(y.value().to_vector()[0] == 2.0);
  }
}
