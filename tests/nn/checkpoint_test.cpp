// Resuming from a checkpoint gives, bit for bit, the weights of the run that was never interrupted:
// shuffling, dropout masks and every optimizer slot continue exactly where they stopped.
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <functional>

#include "nn/saving/checkpoint.hpp"
#include "nn/nn.hpp"

using autodiff::Shape;
using autodiff::Tensor;

namespace {

struct Data {
  Tensor x, y;
};

// Synthetic regression: y = tanh(x·w) for a fixed w; 96 samples of 6 features, 3 targets.
Data synthetic() {
  autodiff::Generator gen(11);
  const Tensor x = autodiff::randn({96, 6}, gen);
  const Tensor w = autodiff::randn({6, 3}, gen);
  return {x, autodiff::tanh(autodiff::matmul(autodiff::Var(x), autodiff::Var(w))).value()};
}

using MakeOptimizer = std::function<std::shared_ptr<nn::Optimizer>()>;

// A fresh MLP with Dropout; every copy starts from the same weights and generators.
std::shared_ptr<nn::Sequential> mlp(const MakeOptimizer& make_optimizer) {
  autodiff::manual_seed(3);
  auto model = std::make_shared<nn::Sequential>();
  model->add(nn::Dense(16, {.activation = "relu", .input_shape = Shape{6}}));
  model->add(nn::Dropout(0.25));
  model->add(nn::Dense(16, {.activation = "tanh"}));
  model->add(nn::Dropout(0.1));
  model->add(nn::Dense(3));
  model->compile("mse", make_optimizer());
  return model;
}

// fit without a seed: the model's generator draws each epoch's shuffle.
nn::FitOptions epochs(int from, int to) {
  return {.batch_size = 10, .epochs = to, .shuffle = true, .verbose = 0, .initial_epoch = from};
}

bool identical(const nn::Module& a, const nn::Module& b) {
  const nn::NamedParams sa = a.named_state(), sb = b.named_state();
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i) {
    const Tensor ta = sa[i].second.value().contiguous(), tb = sb[i].second.value().contiguous();
    if (sa[i].first != sb[i].first || ta.shape() != tb.shape() || ta.dtype() != tb.dtype()) return false;
    const bool same = autodiff::dispatch(ta.dtype(), [&]<class T>(T) {
      return std::memcmp(ta.data<T>(), tb.data<T>(), size_t(ta.numel()) * sizeof(T)) == 0;
    });
    if (!same) return false;
  }
  return true;
}

void check_resume_is_bit_exact(const MakeOptimizer& make_optimizer, const std::string& tag) {
  const Data d = synthetic();
  const auto path = std::filesystem::temp_directory_path() / ("wengert_resume_" + tag + ".safetensors");

  auto uninterrupted = mlp(make_optimizer);
  uninterrupted->fit(d.x, d.y, epochs(0, 4));

  auto first_half = mlp(make_optimizer);
  first_half->fit(d.x, d.y, epochs(0, 2));
  nn::save_checkpoint(path, *first_half, 2);

  autodiff::manual_seed(999);  // the resumed model starts from other weights and generators
  auto resumed = mlp(make_optimizer);
  resumed->set_seed(12345);
  const int epoch = nn::load_checkpoint(path, *resumed);
  BOOST_TEST(epoch == 2);
  resumed->fit(d.x, d.y, epochs(epoch, 4));

  BOOST_TEST(!identical(*first_half, *uninterrupted));  // the comparison can fail
  BOOST_TEST(identical(*resumed, *uninterrupted), tag << ": resumed weights differ from the uninterrupted run");
  BOOST_TEST(resumed->optimizer().iterations() == uninterrupted->optimizer().iterations());
  std::filesystem::remove(path);
}

}  // namespace

BOOST_AUTO_TEST_CASE(resume_with_adam_is_bit_exact) {
  check_resume_is_bit_exact([] { return std::make_shared<nn::Adam>(0.01); }, "adam");
}

BOOST_AUTO_TEST_CASE(resume_with_sgd_momentum_is_bit_exact) {
  check_resume_is_bit_exact([] { return std::make_shared<nn::SGD>(0.05, 0.9); }, "sgd");
}

BOOST_AUTO_TEST_CASE(resume_with_adadelta_is_bit_exact) {
  check_resume_is_bit_exact([] { return std::make_shared<nn::Adadelta>(1.0); }, "adadelta");
}

BOOST_AUTO_TEST_CASE(checkpoint_restores_optimizer_settings) {
  const Data d = synthetic();
  const auto path = std::filesystem::temp_directory_path() / "wengert_ckpt_settings.safetensors";
  auto model = mlp([] { return std::make_shared<nn::SGD>(0.05, 0.9); });
  model->optimizer().clip_norm = 2.5;
  model->optimizer().clip_value = 0.75;
  model->fit(d.x, d.y, epochs(0, 1));
  model->optimizer().set_learning_rate(0.0125);
  nn::save_checkpoint(path, *model, 1);

  auto other = mlp([] { return std::make_shared<nn::SGD>(0.05, 0.9); });
  BOOST_TEST(nn::load_checkpoint(path, *other) == 1);
  BOOST_TEST(other->optimizer().learning_rate() == 0.0125);
  BOOST_TEST(other->optimizer().clip_norm == 2.5);
  BOOST_TEST(other->optimizer().clip_value == 0.75);
  BOOST_TEST(other->optimizer().iterations() == model->optimizer().iterations());
  const nn::Slots* slots = other->optimizer().slots("dense_1.kernel");
  BOOST_TEST_REQUIRE(slots != nullptr);
  BOOST_TEST(slots->contains("momentum"));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(checkpoint_into_another_optimizer_type_names_both) {
  const Data d = synthetic();
  const auto path = std::filesystem::temp_directory_path() / "wengert_ckpt_type.safetensors";
  auto model = mlp([] { return std::make_shared<nn::Adam>(0.01); });
  model->fit(d.x, d.y, epochs(0, 1));
  nn::save_checkpoint(path, *model, 1);
  auto other = mlp([] { return std::make_shared<nn::SGD>(0.01); });
  BOOST_CHECK_EXCEPTION(nn::load_checkpoint(path, *other), autodiff::ValueError, [](const autodiff::ValueError& e) {
    const std::string what = e.what();
    return what.find("Adam") != std::string::npos && what.find("SGD") != std::string::npos;
  });
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(model_checkpoint_callback_resumes_like_fit_never_stopped) {
  const Data d = synthetic();
  const auto path = std::filesystem::temp_directory_path() / "wengert_ckpt_callback.safetensors";
  const MakeOptimizer adam = [] { return std::make_shared<nn::Adam>(0.01); };
  auto uninterrupted = mlp(adam);
  uninterrupted->fit(d.x, d.y, epochs(0, 3));

  auto interrupted = mlp(adam);
  nn::FitOptions o = epochs(0, 2);
  o.callbacks = {nn::callbacks::ModelCheckpoint(path.string(), {.monitor = "loss"})};
  interrupted->fit(d.x, d.y, o);
  auto resumed = mlp(adam);
  resumed->fit(d.x, d.y, epochs(nn::load_checkpoint(path, *resumed), 3));
  BOOST_TEST(identical(*resumed, *uninterrupted));
  std::filesystem::remove(path);
}
