// Optimizers: three steps on a 2-element f64 parameter with known gradients,
// compared with the published update formula written out here in double.
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <functional>

#include "nn/nn.hpp"

using namespace autodiff;
namespace tt = boost::test_tools;

namespace {

constexpr int kSteps = 3;
const std::array<double, 2> kStart = {1.0, -2.0};
const std::array<std::array<double, 2>, kSteps> kGrads = {{{0.5, -1.0}, {0.01, 0.3}, {-0.2, 0.4}}};

// Runs kSteps of opt on w = kStart with gradients kGrads; returns w.
std::vector<double> run(nn::Optimizer& opt) {
  const Var w(Tensor::from({kStart[0], kStart[1]}, {2}, DType::f64), true);
  opt.add_params({{"w", w}});
  for (const auto& g : kGrads) {
    w.set_grad(Tensor::from({g[0], g[1]}, {2}, DType::f64));
    opt.step();
  }
  return w.value().to_vector();
}

// The same kSteps by the formula: step(p, g, t, i) updates element i at step t (1-based).
std::vector<double> reference(const std::function<void(double& p, double g, int t, int i)>& step) {
  std::vector<double> out;
  for (int i = 0; i < 2; ++i) {
    double p = kStart[i];
    for (int t = 0; t < kSteps; ++t) step(p, kGrads[t][i], t + 1, i);
    out.push_back(p);
  }
  return out;
}

void check_close(const std::vector<double>& actual, const std::vector<double>& expected) {
  BOOST_TEST_REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) BOOST_TEST(actual[i] == expected[i], tt::tolerance(1e-12));
  // Guards against a vacuous pass: the parameter must have moved.
  BOOST_TEST(actual[0] != kStart[0]);
}

std::vector<double> adam_reference(double lr, double wd, bool amsgrad) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-7;
  std::array<double, 2> m{}, v{}, vmax{};
  return reference([&](double& p, double g, int t, int i) {
    g += wd * p;
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    vmax[i] = std::max(vmax[i], v[i]);
    const double lr_t = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    p -= lr_t * m[i] / (std::sqrt(amsgrad ? vmax[i] : v[i]) + eps);
  });
}

std::vector<double> rmsprop_reference(double lr, double rho, double momentum, bool centered) {
  const double eps = 1e-7;
  std::array<double, 2> s{}, avg{}, u{};
  return reference([&](double& p, double g, int, int i) {
    s[i] = rho * s[i] + (1 - rho) * g * g;
    avg[i] = rho * avg[i] + (1 - rho) * g;
    const double denom = centered ? s[i] - avg[i] * avg[i] + eps : s[i] + eps;
    u[i] = momentum * u[i] + lr * g / std::sqrt(denom);
    p -= u[i];
  });
}

}  // namespace

BOOST_AUTO_TEST_CASE(sgd_plain_step_is_minus_lr_times_gradient) {
  nn::SGD opt(0.1);
  check_close(run(opt), reference([](double& p, double g, int, int) { p -= 0.1 * g; }));
}

BOOST_AUTO_TEST_CASE(sgd_momentum_follows_keras_velocity_formula) {
  nn::SGD opt({.lr = 0.1, .momentum = 0.9});
  std::array<double, 2> v{};
  check_close(run(opt), reference([&](double& p, double g, int, int i) {
                v[i] = 0.9 * v[i] - 0.1 * g;
                p += v[i];
              }));
}

BOOST_AUTO_TEST_CASE(sgd_nesterov_looks_ahead_along_the_velocity) {
  nn::SGD opt(0.1, 0.9, true);
  std::array<double, 2> v{};
  check_close(run(opt), reference([&](double& p, double g, int, int i) {
                v[i] = 0.9 * v[i] - 0.1 * g;
                p += 0.9 * v[i] - 0.1 * g;
              }));
}

BOOST_AUTO_TEST_CASE(sgd_weight_decay_is_added_to_the_gradient) {
  nn::SGD opt({.lr = 0.1, .weight_decay = 0.01});
  check_close(run(opt), reference([](double& p, double g, int, int) { p -= 0.1 * (g + 0.01 * p); }));
}

BOOST_AUTO_TEST_CASE(adam_applies_bias_corrected_step_size) {
  nn::Adam opt(0.1);
  check_close(run(opt), adam_reference(0.1, 0.0, false));
}

BOOST_AUTO_TEST_CASE(adam_amsgrad_divides_by_the_running_max_of_v) {
  nn::Adam opt({.lr = 0.1, .amsgrad = true});
  const auto actual = run(opt);
  check_close(actual, adam_reference(0.1, 0.0, true));
  // The first element's gradient shrinks at step 2, so the max differs from v: amsgrad must change the result.
  BOOST_TEST(std::abs(actual[0] - adam_reference(0.1, 0.0, false)[0]) > 1e-6);
}

BOOST_AUTO_TEST_CASE(adam_weight_decay_is_coupled) {
  nn::Adam opt({.lr = 0.1, .weight_decay = 0.1});
  check_close(run(opt), adam_reference(0.1, 0.1, false));
}

BOOST_AUTO_TEST_CASE(adamw_decays_weights_outside_the_moments) {
  nn::AdamW opt({.lr = 0.1, .weight_decay = 0.05});
  const double b1 = 0.9, b2 = 0.999, eps = 1e-7, lr = 0.1;
  std::array<double, 2> m{}, v{};
  check_close(run(opt), reference([&](double& p, double g, int t, int i) {
                p -= lr * 0.05 * p;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                p -= lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t)) * m[i] / (std::sqrt(v[i]) + eps);
              }));
}

BOOST_AUTO_TEST_CASE(rmsprop_divides_by_root_mean_square) {
  nn::RMSprop opt(0.01);
  check_close(run(opt), rmsprop_reference(0.01, 0.9, 0.0, false));
}

BOOST_AUTO_TEST_CASE(rmsprop_momentum_accumulates_increments) {
  nn::RMSprop opt({.lr = 0.01, .momentum = 0.5});
  check_close(run(opt), rmsprop_reference(0.01, 0.9, 0.5, false));
}

BOOST_AUTO_TEST_CASE(rmsprop_centered_subtracts_the_mean_gradient_squared) {
  nn::RMSprop opt({.lr = 0.01, .centered = true});
  check_close(run(opt), rmsprop_reference(0.01, 0.9, 0.0, true));
}

BOOST_AUTO_TEST_CASE(adagrad_accumulates_squared_gradients_from_the_initial_value) {
  nn::Adagrad opt(0.1);
  std::array<double, 2> a = {0.1, 0.1};
  check_close(run(opt), reference([&](double& p, double g, int, int i) {
                a[i] += g * g;
                p -= 0.1 * g / std::sqrt(a[i] + 1e-7);
              }));
}

BOOST_AUTO_TEST_CASE(adadelta_scales_by_the_ratio_of_running_rms) {
  nn::Adadelta opt;
  const double rho = 0.95, eps = 1e-7;
  std::array<double, 2> acc_g{}, acc_d{};
  check_close(run(opt), reference([&](double& p, double g, int, int i) {
                acc_g[i] = rho * acc_g[i] + (1 - rho) * g * g;
                const double delta = std::sqrt(acc_d[i] + eps) / std::sqrt(acc_g[i] + eps) * g;
                acc_d[i] = rho * acc_d[i] + (1 - rho) * delta * delta;
                p -= 1.0 * delta;
              }));
}

BOOST_AUTO_TEST_CASE(keras_defaults_are_the_option_defaults) {
  BOOST_TEST(nn::SGD().learning_rate() == 0.01);
  BOOST_TEST(nn::Adam().learning_rate() == 0.001);
  BOOST_TEST(nn::Adam().options().epsilon == 1e-7);
  BOOST_TEST(nn::AdamW().weight_decay() == 0.004);
  BOOST_TEST(nn::RMSprop().options().rho == 0.9);
  BOOST_TEST(nn::Adagrad().options().initial_accumulator_value == 0.1);
  BOOST_TEST(nn::Adadelta().learning_rate() == 1.0);
  BOOST_TEST(nn::Adadelta().options().rho == 0.95);
}

BOOST_AUTO_TEST_CASE(clip_value_clamps_each_gradient_element) {
  nn::SGD opt(1.0);
  opt.clip_value = 1.0;
  const Var w(Tensor::from({0, 0, 0}, {3}, DType::f64), true);
  opt.add_params({{"w", w}});
  w.set_grad(Tensor::from({3, -4, 0.5}, {3}, DType::f64));
  opt.step();
  BOOST_TEST(w.value().to_vector() == std::vector<double>({-1, 1, -0.5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(clip_norm_rescales_all_gradients_to_the_global_norm) {
  nn::SGD opt(1.0);
  opt.clip_norm = 1.0;
  const Var a(Tensor::from({0}, {1}, DType::f64), true), b(Tensor::from({0}, {1}, DType::f64), true);
  opt.add_params({{"a", a}, {"b", b}});
  a.set_grad(Tensor::from({3}, {1}, DType::f64));  // global norm 5 over both parameters
  b.set_grad(Tensor::from({-4}, {1}, DType::f64));
  opt.step();
  BOOST_TEST(a.item() == -0.6, tt::tolerance(1e-12));
  BOOST_TEST(b.item() == 0.8, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(clip_norm_leaves_small_gradients_alone) {
  nn::SGD opt(1.0);
  opt.clip_norm = 10.0;
  const Var w(Tensor::from({0, 0}, {2}, DType::f64), true);
  opt.add_params({{"w", w}});
  w.set_grad(Tensor::from({3, -4}, {2}, DType::f64));
  opt.step();
  BOOST_TEST(w.value().to_vector() == std::vector<double>({-3, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(step_skips_parameters_without_gradient_and_counts_iterations) {
  nn::SGD opt(1.0);
  const Var a(Tensor::from({1}, {1}, DType::f64), true), b(Tensor::from({1}, {1}, DType::f64), true);
  opt.add_params({{"a", a}, {"b", b}});
  a.set_grad(Tensor::from({1}, {1}, DType::f64));
  opt.step();
  BOOST_TEST(a.item() == 0.0);
  BOOST_TEST(b.item() == 1.0);
  BOOST_TEST(opt.iterations() == 1);
}

BOOST_AUTO_TEST_CASE(updates_float32_parameters_in_place) {
  nn::SGD opt({.lr = 0.5, .momentum = 0.9});
  const Var w(Tensor::from({1, 2}, {2}), true);
  const float* before = w.value().data<float>();
  opt.add_params({{"w", w}});
  w.set_grad(Tensor::from({1, -1}, {2}));
  opt.step();
  BOOST_TEST(w.value().data<float>() == before);
  BOOST_TEST(w.value().to_vector() == std::vector<double>({0.5, 2.5}), tt::per_element());
  BOOST_TEST(opt.slots("w")->at("momentum").to_vector() == std::vector<double>({-0.5, 0.5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(backward_then_step_minimizes_a_quadratic) {
  nn::Adam opt(0.1);
  const Var w(Tensor::from({3, -2}, {2}, DType::f64), true);
  opt.add_params({{"w", w}});
  for (int i = 0; i < 300; ++i) {
    backward(sum(w * w));
    opt.step();
    opt.zero_grad();
  }
  BOOST_TEST(std::abs(w.value().at({0})) < 1e-2);
  BOOST_TEST(std::abs(w.value().at({1})) < 1e-2);
}

BOOST_AUTO_TEST_CASE(registering_a_name_twice_is_a_value_error) {
  nn::SGD opt;
  const Var w(Tensor::from({1}, {1}), true);
  opt.add_params({{"w", w}});
  BOOST_CHECK_THROW(opt.add_params({{"w", w}}), ValueError);
}

BOOST_AUTO_TEST_CASE(make_optimizer_finds_keras_names) {
  BOOST_TEST(nn::make_optimizer("adam")->type() == "Adam");
  BOOST_TEST(nn::make_optimizer("rmsprop")->type() == "RMSprop");
  BOOST_CHECK_THROW(nn::make_optimizer("adamm"), ValueError);
}
