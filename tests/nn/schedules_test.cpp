// Learning-rate schedules (Keras formulas), an optimizer following one, and
// PlateauDecay's (the ReduceLROnPlateau callback's) patience, cooldown, min_lr and mode.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numbers>

#include "nn/nn.hpp"
#include "nn/optimizers/schedules.hpp"

using namespace autodiff;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(step_decay_drops_by_factor_every_step_size_steps) {
  const nn::StepDecay s(1.0, 10, 0.5);
  BOOST_TEST(s.lr(0) == 1.0);
  BOOST_TEST(s.lr(9) == 1.0);
  BOOST_TEST(s.lr(10) == 0.5);
  BOOST_TEST(s.lr(25) == 0.25);
}

BOOST_AUTO_TEST_CASE(piecewise_constant_switches_after_each_boundary) {
  const nn::PiecewiseConstant s({100, 200}, {1.0, 0.5, 0.1});
  BOOST_TEST(s.lr(0) == 1.0);
  BOOST_TEST(s.lr(100) == 1.0);  // Keras: step ≤ boundary keeps the earlier value
  BOOST_TEST(s.lr(101) == 0.5);
  BOOST_TEST(s.lr(200) == 0.5);
  BOOST_TEST(s.lr(201) == 0.1);
}

BOOST_AUTO_TEST_CASE(piecewise_constant_needs_one_more_value_than_boundaries) {
  BOOST_CHECK_THROW(nn::PiecewiseConstant({100}, {1.0}), ValueError);
}

BOOST_AUTO_TEST_CASE(exponential_decay_is_smooth_or_staircase) {
  const nn::ExponentialDecay smooth(0.1, 10, 0.5);
  BOOST_TEST(smooth.lr(0) == 0.1, tt::tolerance(1e-15));
  BOOST_TEST(smooth.lr(5) == 0.1 * std::pow(0.5, 0.5), tt::tolerance(1e-15));
  BOOST_TEST(smooth.lr(20) == 0.025, tt::tolerance(1e-15));
  const nn::ExponentialDecay stairs(0.1, 10, 0.5, true);
  BOOST_TEST(stairs.lr(5) == 0.1, tt::tolerance(1e-15));
  BOOST_TEST(stairs.lr(15) == 0.05, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(cosine_decay_falls_from_initial_to_alpha_times_initial) {
  const nn::CosineDecay s(1.0, 100, 0.1);
  BOOST_TEST(s.lr(0) == 1.0, tt::tolerance(1e-15));
  BOOST_TEST(s.lr(50) == 0.9 * 0.5 + 0.1, tt::tolerance(1e-12));
  BOOST_TEST(s.lr(25) == 0.9 * 0.5 * (1 + std::cos(std::numbers::pi / 4)) + 0.1, tt::tolerance(1e-12));
  BOOST_TEST(s.lr(100) == 0.1, tt::tolerance(1e-12));
  BOOST_TEST(s.lr(500) == 0.1, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(optimizer_uses_the_schedule_value_of_each_step) {
  nn::SGD opt(0.0);
  opt.set_schedule(nn::PiecewiseConstant({0}, {1.0, 0.1}));
  const Var w(Tensor::from({0}, {1}, DType::f64), true);
  opt.add_params({{"w", w}});
  BOOST_TEST(opt.learning_rate() == 1.0);
  for (int t = 0; t < 2; ++t) {
    w.set_grad(Tensor::from({1}, {1}, DType::f64));
    opt.step();
  }
  BOOST_TEST(w.item() == -1.1, tt::tolerance(1e-12));  // step 0 at lr 1, step 1 at lr 0.1
  BOOST_TEST(opt.learning_rate() == 0.1);
}

BOOST_AUTO_TEST_CASE(setting_a_constant_rate_under_a_schedule_is_a_value_error) {
  nn::Adam opt;
  opt.set_schedule(nn::ExponentialDecay(0.1, 10, 0.9));
  BOOST_CHECK_THROW(opt.set_learning_rate(0.5), ValueError);
  opt.clear_schedule();
  opt.set_learning_rate(0.5);
  BOOST_TEST(opt.learning_rate() == 0.5);
}

namespace {
// The learning rate after each epoch's value is fed in.
std::vector<double> plateau(nn::ReduceLROnPlateauOptions o, const std::vector<double>& values, double lr = 1.0) {
  nn::PlateauDecay r(std::move(o));
  std::vector<double> lrs;
  for (double v : values) {
    if (const auto next = r.on_epoch_end(v, lr)) lr = *next;
    lrs.push_back(lr);
  }
  return lrs;
}
}  // namespace

BOOST_AUTO_TEST_CASE(plateau_reduces_after_patience_epochs_without_improvement) {
  const auto lrs = plateau({.factor = 0.5, .patience = 2}, {1.0, 1.0, 1.0, 0.5, 0.5, 0.5});
  BOOST_TEST(lrs == std::vector<double>({1.0, 1.0, 0.5, 0.5, 0.5, 0.25}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(plateau_ignores_improvements_smaller_than_min_delta) {
  const auto lrs = plateau({.factor = 0.5, .patience = 1, .min_delta = 0.1}, {1.0, 0.95, 0.5});
  BOOST_TEST(lrs == std::vector<double>({1.0, 0.5, 0.5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(plateau_cooldown_pauses_counting_after_a_reduction) {
  const auto lrs = plateau({.factor = 0.5, .patience = 1, .cooldown = 2}, {1, 1, 1, 1, 1});
  BOOST_TEST(lrs == std::vector<double>({1.0, 0.5, 0.5, 0.25, 0.25}), tt::per_element());
  const auto no_cooldown = plateau({.factor = 0.5, .patience = 1}, {1, 1, 1});
  BOOST_TEST(no_cooldown == std::vector<double>({1.0, 0.5, 0.25}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(plateau_never_goes_below_min_lr) {
  nn::PlateauDecay r({.factor = 0.1, .patience = 1, .min_lr = 0.05});
  BOOST_TEST(!r.on_epoch_end(1.0, 0.1).has_value());
  const std::optional<double> lowered = r.on_epoch_end(1.0, 0.1);
  BOOST_REQUIRE(lowered.has_value());
  BOOST_TEST(*lowered == 0.05);
  BOOST_TEST(!r.on_epoch_end(1.0, 0.05).has_value());
}

BOOST_AUTO_TEST_CASE(plateau_maximizes_accuracy_monitors_in_auto_mode) {
  BOOST_TEST(nn::PlateauDecay({.monitor = "val_accuracy"}).minimizing() == false);
  BOOST_TEST(nn::PlateauDecay({.monitor = "val_loss"}).minimizing() == true);
  const auto rising = plateau({.factor = 0.5, .patience = 1, .mode = "max"}, {0.5, 0.6, 0.7, 0.7});
  BOOST_TEST(rising == std::vector<double>({1.0, 1.0, 1.0, 0.5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(plateau_rejects_a_factor_of_one_or_more) {
  BOOST_CHECK_THROW(nn::PlateauDecay({.factor = 1.0}), ValueError);
  BOOST_CHECK_THROW(nn::PlateauDecay({.mode = "up"}), ValueError);
}

BOOST_AUTO_TEST_CASE(schedule_from_config_reads_what_config_writes) {
  const nn::ExponentialDecay s(0.5, 7, 0.25, true);
  const auto back = nn::schedule_from_config(s.type(), s.config());
  BOOST_TEST(back->config() == s.config());
  BOOST_TEST(back->lr(15) == s.lr(15));
}

BOOST_AUTO_TEST_CASE(schedule_from_config_names_the_type_and_the_bad_field) {
  const auto fails_with = [](const std::string& fragment) {
    return [fragment](const ValueError& e) { return std::string(e.what()).find(fragment) != std::string::npos; };
  };
  BOOST_CHECK_EXCEPTION(nn::schedule_from_config("CosineDecay", R"({"initial_learning_rate": 1, "alpha": 0})"),
                        ValueError, fails_with("CosineDecay: missing field 'decay_steps'"));
  BOOST_CHECK_EXCEPTION(nn::schedule_from_config("StepDecay", R"({"initial_learning_rate": 1, "step_size": 2.5,
                                                                  "factor": 0.5})"),
                        ValueError, fails_with("StepDecay: 'step_size' must be an integer"));
  BOOST_CHECK_EXCEPTION(
      nn::schedule_from_config("CosineDecay", R"({"initial_learning_rate": 1, "decay_steps": 3, "alpha": 0, "x": 1})"),
      ValueError, fails_with("CosineDecay: unknown field 'x'"));
  BOOST_CHECK_EXCEPTION(nn::schedule_from_config("Cosine", "{}"), ValueError, fails_with("known: CosineDecay"));
}
