// Everything compile accepts comes back from save → load_model: every loss, metric, optimizer (with every
// hyperparameter off its default) and learning-rate schedule. The lists come from the registries, and the
// registries are checked against the declarations in the headers, so a new one without round-trip support fails.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "nn/saving/model_io.hpp"
#include "nn/optimizers/registry.hpp"
#include "nn/nn.hpp"
#include "nn/losses/functions.hpp"

using autodiff::Shape;

namespace {

std::shared_ptr<nn::Sequential> model() {
  autodiff::manual_seed(3);
  auto m = std::make_shared<nn::Sequential>();
  m->add(nn::Dense(4, {.activation = "softmax", .input_shape = Shape{3}}));
  return m;
}

// Saves a compiled model, loads it back and checks that the loaded one describes the same compile state.
std::shared_ptr<nn::Sequential> round_trip(const nn::Sequential& original, const std::string& tag) {
  const auto path = std::filesystem::temp_directory_path() / ("wengert_compile_" + tag + ".safetensors");
  original.save(path);
  auto loaded = std::dynamic_pointer_cast<nn::Sequential>(nn::load_model(path));
  std::filesystem::remove(path);
  BOOST_TEST(nn::model_json(*loaded) == nn::model_json(original), tag);
  return loaded;
}

// The names `pattern` (one capture group) finds in a source file, read from the repository root.
std::set<std::string> declared(const std::string& path, const std::string& pattern) {
  std::ifstream in(path);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const std::regex re(pattern);
  std::set<std::string> out;
  for (std::sregex_iterator it(s.begin(), s.end(), re), end; it != end; ++it) out.insert((*it)[1]);
  BOOST_TEST(!out.empty(), path);
  return out;
}

// Each value moved off its default: flags flipped, numbers halved (zeros made 0.05), clipping on.
nn::OptimizerConfig off_default(nn::OptimizerConfig c) {
  for (auto& [key, v] : c)
    v = key == "nesterov" || key == "amsgrad" || key == "centered" ? 1.0 - v : (v == 0 ? 0.05 : v / 2);
  return c;
}

std::vector<std::shared_ptr<const nn::LearningRateSchedule>> schedules() {
  return {std::make_shared<nn::StepDecay>(0.5, 7, 0.25),
          std::make_shared<nn::PiecewiseConstant>(std::vector<int64_t>{3, 9}, std::vector<double>{1, .5, .1}),
          std::make_shared<nn::ExponentialDecay>(0.3, 5, 0.8, true), std::make_shared<nn::CosineDecay>(0.2, 11, 0.1)};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_loss_round_trips) {
  for (const std::string& name : nn::known_losses()) {
    auto m = model();
    m->compile(name, nn::SGD(0.1));
    BOOST_TEST(round_trip(*m, name)->loss().name() == name);
  }
}

BOOST_AUTO_TEST_CASE(every_built_in_loss_function_is_registered) {
  const std::vector<std::string> known = nn::known_losses();
  for (const std::string& name : declared("nn/losses/functions.hpp", R"(\nVar (\w+)\()"))
    BOOST_TEST((std::find(known.begin(), known.end(), name) != known.end()), name << " is not a registered loss");
}

BOOST_AUTO_TEST_CASE(every_metric_round_trips) {
  std::vector<nn::Metric> all;
  for (const std::string& name : nn::known_metrics()) all.emplace_back(name);
  for (int64_t k : {1, 3, 5, 10}) all.push_back(nn::metrics::top_k_accuracy(k));
  auto m = model();
  m->compile("mse", nn::SGD(0.1), all);
  const auto loaded = round_trip(*m, "metrics");
  BOOST_REQUIRE(loaded->metrics().size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) BOOST_TEST(loaded->metrics()[i].name() == all[i].name());
}

BOOST_AUTO_TEST_CASE(every_built_in_metric_function_is_registered) {
  const std::vector<std::string> known = nn::known_metrics();
  for (const std::string& name : declared("nn/training/metrics.hpp", R"(\ndouble (\w+)\()"))
    BOOST_TEST((std::find(known.begin(), known.end(), name) != known.end()), name << " is not a known metric");
}

BOOST_AUTO_TEST_CASE(every_optimizer_round_trips_with_every_hyperparameter) {
  for (const std::string& type : nn::known_optimizers()) {
    const nn::OptimizerConfig config = off_default(nn::optimizer_config(*nn::optimizer_from_config(type, {})));
    auto m = model();
    m->compile("mse", nn::optimizer_from_config(type, config));
    const auto loaded = round_trip(*m, type);
    BOOST_TEST(loaded->optimizer().type() == type);
    BOOST_TEST((nn::optimizer_config(loaded->optimizer()) == config), type);
    BOOST_TEST(loaded->optimizer().clip_norm == config.at("clip_norm"));
  }
}

BOOST_AUTO_TEST_CASE(every_optimizer_class_is_known) {
  const std::vector<std::string> known = nn::known_optimizers();
  // One header per optimizer family in nn/optimizers/, beside the base, the registry and the schedules.
  std::set<std::string> classes;
  for (const auto& entry : std::filesystem::directory_iterator("nn/optimizers")) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() != ".hpp" || file == "optimizer.hpp" || file == "registry.hpp" ||
        file == "schedules.hpp")
      continue;
    classes.merge(declared(entry.path().string(), R"(\nclass (\w+) : public)"));
  }
  BOOST_TEST(classes == std::set<std::string>(known.begin(), known.end()), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_schedule_round_trips) {
  for (const auto& schedule : schedules()) {
    auto m = model();
    auto opt = std::make_shared<nn::Adam>();
    opt->set_schedule(schedule);
    m->compile("mse", opt);
    const auto loaded = round_trip(*m, schedule->type());
    BOOST_REQUIRE(loaded->optimizer().schedule() != nullptr);
    BOOST_TEST(loaded->optimizer().schedule()->type() == schedule->type());
    for (int64_t step : {0, 3, 4, 10, 100})
      BOOST_TEST(loaded->optimizer().schedule()->lr(step) == schedule->lr(step), schedule->type() << " " << step);
  }
}

BOOST_AUTO_TEST_CASE(every_schedule_class_is_known_and_tested) {
  std::set<std::string> tested;
  for (const auto& s : schedules()) tested.insert(s->type());
  const std::vector<std::string> known = nn::known_schedules();
  BOOST_TEST(tested == std::set<std::string>(known.begin(), known.end()), boost::test_tools::per_element());
  BOOST_TEST(declared("nn/optimizers/schedules.hpp", R"(\nclass (\w+) : public LearningRateSchedule)").size() == tested.size());
}

BOOST_AUTO_TEST_CASE(a_schedule_of_the_users_own_without_config_is_refused_by_save_not_load) {
  struct Halving : nn::LearningRateSchedule {
    double lr(int64_t step) const override { return 1.0 / double(1 + step); }
    std::string type() const override { return "Halving"; }
  };
  auto m = model();
  auto opt = std::make_shared<nn::SGD>(0.1);
  opt->set_schedule(Halving{});
  m->compile("mse", opt);
  const auto path = std::filesystem::temp_directory_path() / "wengert_compile_halving.safetensors";
  BOOST_CHECK_EXCEPTION(m->save(path), autodiff::ValueError, [](const autodiff::ValueError& e) {
    return std::string(e.what()).find("save_model: the learning-rate schedule Halving has no config()") == 0;
  });
  BOOST_TEST(!std::filesystem::exists(path));
}

// A loss and a metric of the user's own come back by name once registered (Keras' custom_objects); before that,
// load_model says which call is missing.
BOOST_AUTO_TEST_CASE(a_loss_and_a_metric_of_the_users_own_round_trip_once_registered) {
  const auto half_mse = [](const autodiff::Var& t, const autodiff::Var& p) { return 0.5 * nn::losses::mse(t, p); };
  const auto sum_of_squares = [](const autodiff::Tensor& t, const autodiff::Tensor& p) {
    return nn::metrics::mse(t, p) * 2.0;
  };
  auto m = model();
  m->compile(nn::Loss(nn::LossFn(half_mse), "test_half_mse"), nn::SGD(0.1), {nn::Metric("test_twice_mse", sum_of_squares)});
  const auto path = std::filesystem::temp_directory_path() / "wengert_compile_custom.safetensors";
  m->save(path);
  nn::register_loss("test_half_mse", half_mse);
  BOOST_CHECK_EXCEPTION(nn::load_model(path), autodiff::ValueError, [](const autodiff::ValueError& e) {
    return std::string(e.what()).find("register_metric") != std::string::npos;
  });
  nn::register_metric("test_twice_mse", sum_of_squares);
  const auto loaded = nn::load_model(path);
  std::filesystem::remove(path);
  BOOST_TEST(loaded->loss().name() == "test_half_mse");
  BOOST_REQUIRE(loaded->metrics().size() == 1u);
  BOOST_TEST(loaded->metrics()[0].name() == "test_twice_mse");
  const autodiff::Tensor t = autodiff::Tensor::from({0, 1}, {1, 2}), p = autodiff::Tensor::from({1, 1}, {1, 2});
  BOOST_TEST(loaded->metrics()[0].batch_sum(t, p) == 2.0 * nn::metrics::mse(t, p));
}
