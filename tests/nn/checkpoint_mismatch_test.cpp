// A checkpoint records the model that wrote it (architecture, loss, metrics, optimizer configuration);
// resuming into a model that differs in any of them is an error naming the difference, before anything is restored.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "nn/saving/checkpoint.hpp"
#include "nn/saving/model_io.hpp"
#include "nn/nn.hpp"
#include "tests/message.hpp"

using autodiff::Shape;

namespace {

// What a test changes about the model it resumes into.
struct Spec {
  std::string activation = "relu";
  int64_t units = 4;
  bool extra_layer = false;
  autodiff::DType dtype = autodiff::DType::f32;
  std::string loss = "mse";
  std::vector<nn::Metric> metrics = {"mae"};
  std::function<std::shared_ptr<nn::Optimizer>()> optimizer = [] { return std::make_shared<nn::SGD>(0.1, 0.9); };
};

std::shared_ptr<nn::Sequential> build(const Spec& s) {
  autodiff::manual_seed(2);
  auto m = std::make_shared<nn::Sequential>();
  m->add(nn::Dense(s.units, {.activation = s.activation}));
  if (s.extra_layer) m->add(nn::Dense(s.units));
  m->add(nn::Dense(2));
  m->build(Shape{3}, s.dtype);
  m->compile(s.loss, s.optimizer(), s.metrics);
  return m;
}

const std::filesystem::path kPath = std::filesystem::temp_directory_path() / "wengert_ckpt_mismatch.safetensors";

// Trains a model of the default Spec for one epoch and checkpoints it.
void write_checkpoint() {
  auto m = build({});
  m->fit(autodiff::ones({8, 3}), autodiff::ones({8, 2}), {.batch_size = 4, .epochs = 1, .verbose = 0});
  nn::save_checkpoint(kPath, *m, 1);
}

void check_refused(const Spec& other, const std::vector<std::string>& fragments) {
  write_checkpoint();
  auto m = build(other);
  const std::vector<double> before = m->named_parameters().front().second.value().to_vector();
  BOOST_CHECK_EXCEPTION(nn::load_checkpoint(kPath, *m), autodiff::ValueError, testing::message_has(fragments));
  BOOST_TEST(m->named_parameters().front().second.value().to_vector() == before, boost::test_tools::per_element());
  std::filesystem::remove(kPath);
}

}  // namespace

BOOST_AUTO_TEST_CASE(another_activation_is_named) {
  check_refused({.activation = "sigmoid"},
                {"load_checkpoint", kPath.string(), R"(the checkpoint's layer dense_1 has activation "relu", the )"
                                                    R"(model's "sigmoid")"});
}

BOOST_AUTO_TEST_CASE(another_layer_size_is_named) {
  check_refused({.units = 5}, {"the checkpoint's layer dense_1 has units 4, the model's 5"});
}

BOOST_AUTO_TEST_CASE(another_layer_count_is_named) {
  check_refused({.extra_layer = true}, {"the checkpoint has 2 layers (dense_1, dense_2), the model 3"});
}

BOOST_AUTO_TEST_CASE(another_dtype_is_named) {
  check_refused({.dtype = autodiff::DType::f64}, {R"(layer dense_1 is "float32", the model's "float64")"});
}

BOOST_AUTO_TEST_CASE(another_loss_is_named) {
  check_refused({.loss = "mae"}, {R"(the checkpoint's loss is "mse", the model's "mae")"});
}

BOOST_AUTO_TEST_CASE(other_metrics_are_named) {
  check_refused({.metrics = {"mse"}}, {R"(the checkpoint's metrics are ["mae"], the model's ["mse"])"});
}

BOOST_AUTO_TEST_CASE(another_optimizer_hyperparameter_is_named) {
  check_refused({.optimizer = [] { return std::make_shared<nn::SGD>(0.1, 0.5); }},
                {"the checkpoint's optimizer SGD has momentum 0.9, the model's 0.5"});
}

BOOST_AUTO_TEST_CASE(another_schedule_is_named) {
  const auto scheduled = [] {
    auto o = std::make_shared<nn::SGD>(0.1, 0.9);
    o->set_schedule(nn::ExponentialDecay(0.1, 10, 0.5));
    return o;
  };
  check_refused({.optimizer = scheduled}, {"schedule"});
}

BOOST_AUTO_TEST_CASE(another_learning_rate_is_no_difference_the_checkpoint_restores_it) {
  write_checkpoint();
  auto m = build({.optimizer = [] { return std::make_shared<nn::SGD>(0.3, 0.9); }});
  BOOST_TEST(nn::load_checkpoint(kPath, *m) == 1);
  BOOST_TEST(m->optimizer().learning_rate() == 0.1);
  std::filesystem::remove(kPath);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_without_the_record_still_loads) {
  write_checkpoint();
  // As written before the record existed: no architecture, no "compile" in the checkpoint metadata.
  nn::io::TensorFile file = nn::io::load_safetensors(kPath);
  file.metadata.erase(nn::kModelMetadataKey);
  nlohmann::json meta = nlohmann::json::parse(file.metadata.at(nn::kCheckpointMetadataKey));
  meta.erase("compile");
  file.metadata[nn::kCheckpointMetadataKey] = meta.dump();
  nn::io::save_safetensors(kPath, file.tensors, file.metadata);
  BOOST_TEST(nn::load_checkpoint(kPath, *build({.activation = "sigmoid"})) == 1);
  std::filesystem::remove(kPath);
}

BOOST_AUTO_TEST_CASE(a_model_that_is_not_a_sequential_has_its_compile_state_compared) {
  const auto wrapped = [](const std::string& loss) {
    autodiff::manual_seed(4);
    auto m = std::make_shared<nn::Model>(std::make_shared<nn::Dense>(2));
    m->build(Shape{3});
    m->compile(loss, nn::SGD(0.1));
    return m;
  };
  nn::save_checkpoint(kPath, *wrapped("mse"), 1);
  BOOST_CHECK_EXCEPTION(nn::load_checkpoint(kPath, *wrapped("huber")), autodiff::ValueError,
                        testing::message_has({R"(the checkpoint's loss is "mse", the model's "huber")"}));
  BOOST_TEST(nn::load_checkpoint(kPath, *wrapped("mse")) == 1);
  std::filesystem::remove(kPath);
}
