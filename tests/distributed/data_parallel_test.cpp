// Run by CTest under mpiexec with 2 ranks (tests/CMakeLists.txt), over shared memory and over TCP.
#include "tests/distributed/common.hpp"

using namespace dist_test;
using nn_test::blobs;

BOOST_TEST_GLOBAL_FIXTURE(StartMpi);

namespace {

// 19 full global batches of 16 and a last one of 5 (shared 3 + 2): 20 steps.
constexpr int64_t kSamples = 19 * 16 + 5;

nn::FitOptions options(std::shared_ptr<nn::Strategy> s) {
  return {.batch_size = 16, .epochs = 1, .verbose = 0, .seed = 5, .strategy = std::move(s)};
}

std::vector<double> batch_losses(nn::Model& model, const Tensor& x, const Tensor& y, nn::FitOptions o) {
  std::vector<double> losses;
  o.callbacks.push_back(nn::callbacks::LambdaCallback(
      {.on_batch_end = [&](int64_t, const nn::Logs& logs) { losses.push_back(logs.at("loss")); }}));
  model.fit(x, y, o);
  return losses;
}

}  // namespace

BOOST_AUTO_TEST_CASE(two_ranks_train_the_model_one_process_trains_f64) {
  const auto d = blobs(kSamples, 3);
  const Tensor x = d.x.to(DType::f64), y = d.y.to(DType::f64);
  // Each rank starts from different weights: start() must make them rank 0's.
  nn::Sequential model = mlp(context().rank() == 0 ? 1 : 99);
  model.compile("categorical_crossentropy", nn::Adam(0.01));
  model.fit(x, y, options(strategy()));
  if (context().rank() != 0) return;
  nn::Sequential reference = mlp(1);
  reference.compile("categorical_crossentropy", nn::Adam(0.01));
  reference.fit(x, y, options(nullptr));
  BOOST_TEST(reference.optimizer().iterations() == 20);
  BOOST_TEST(model.optimizer().iterations() == 20);
  check_close(model, reference, 1e-12);
}

BOOST_AUTO_TEST_CASE(two_ranks_give_the_loss_curve_of_one_process_f32) {
  const auto d = blobs(kSamples, 4);
  nn::Sequential model = mlp(2);
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const std::vector<double> losses = batch_losses(model, d.x, d.y, options(strategy()));
  if (context().rank() != 0) return;
  nn::Sequential reference = mlp(2);
  reference.compile("categorical_crossentropy", nn::SGD(0.1));
  const std::vector<double> expected = batch_losses(reference, d.x, d.y, options(nullptr));
  BOOST_REQUIRE_EQUAL(losses.size(), expected.size());
  for (size_t i = 0; i < losses.size(); ++i)
    BOOST_TEST(std::abs(losses[i] - expected[i]) <= 1e-5 * std::abs(expected[i]), "batch " << i);
}

BOOST_AUTO_TEST_CASE(every_rank_holds_the_same_bits_after_every_step) {
  const auto d = blobs(kSamples, 5);
  nn::Sequential model = mlp(3 + uint64_t(context().rank()));
  model.compile("categorical_crossentropy", nn::Adam(0.01));
  nn::FitOptions o = options(strategy());
  int checked = 0;
  o.callbacks.push_back(nn::callbacks::LambdaCallback({.on_batch_end = [&](int64_t, const nn::Logs&) {
    distributed::check_same_on_all_ranks(context().communicator(), state_hash(model), "state after a step");
    ++checked;
  }}));
  o.epochs = 2;
  model.fit(d.x, d.y, o);
  BOOST_TEST(checked == 40);
}

BOOST_AUTO_TEST_CASE(two_runs_with_one_seed_are_bit_identical) {
  const auto d = blobs(kSamples, 6);
  uint64_t hashes[2];
  for (uint64_t& h : hashes) {
    nn::Sequential model = mlp(4);
    model.compile("categorical_crossentropy", nn::Adam(0.01), {"accuracy"});
    nn::FitOptions o = options(strategy());
    o.seed.reset();  // the epochs' shuffling seeds come from rank 0's generator, broadcast by start()
    o.epochs = 2;
    model.fit(d.x, d.y, o);
    h = state_hash(model);
  }
  BOOST_TEST(hashes[0] == hashes[1]);
}

BOOST_AUTO_TEST_CASE(small_buckets_average_the_same_as_one_bucket) {
  const auto d = blobs(kSamples, 7);
  uint64_t hashes[2];
  const int64_t caps[2] = {64, distributed::GradientBuckets::kDefaultCapBytes};
  for (int k = 0; k < 2; ++k) {
    nn::Sequential model = mlp(5);
    model.compile("categorical_crossentropy", nn::SGD(0.1));
    model.fit(d.x, d.y, options(std::make_shared<distributed::DataParallel>(context(), caps[k])));
    hashes[k] = state_hash(model);
  }
  BOOST_TEST(hashes[0] == hashes[1]);
}

BOOST_AUTO_TEST_CASE(evaluate_and_predict_see_every_rank_s_samples) {
  const auto d = blobs(101, 8);  // 51 + 50 rows
  nn::Sequential model = mlp(6);
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  const nn::Logs alone = model.evaluate(d.x, d.y, 16);
  const nn::Logs shared = model.evaluate(d.x, d.y, 16, strategy());
  BOOST_TEST(std::abs(shared.at("loss") - alone.at("loss")) <= 1e-6 * alone.at("loss"));
  BOOST_TEST(shared.at("accuracy") == alone.at("accuracy"));
  // Sharding changes which rows share a matmul, which may change the last bits.
  const auto p = model.predict(d.x, 16, strategy()).to_vector(), q = model.predict(d.x, 16).to_vector();
  BOOST_REQUIRE_EQUAL(p.size(), q.size());
  for (size_t i = 0; i < p.size(); ++i) BOOST_TEST(std::abs(p[i] - q[i]) <= 1e-6, "element " << i);
}

BOOST_AUTO_TEST_CASE(batch_normalization_keeps_per_rank_statistics_and_rank_0_s_moving_ones) {
  const auto d = blobs(32, 9);
  auto build = [] {
    autodiff::manual_seed(7);
    return nn::Sequential{nn::Dense(8, {.input_shape = autodiff::Shape{4}}), nn::BatchNormalization(),
                          nn::Dense(2, {.activation = "softmax"})};
  };
  nn::Sequential model = build();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  nn::FitOptions o = options(strategy());
  o.batch_size = 32;  // one step: rank 0 takes rows 0-15, rank 1 rows 16-31
  o.shuffle = false;
  model.fit(d.x, d.y, o);
  distributed::check_same_on_all_ranks(context().communicator(), state_hash(model), "state with BatchNormalization");
  // The moving statistics are those of rank 0's own 16 rows (per-rank batch statistics, as PyTorch's plain DDP).
  nn::Sequential rank0 = build();
  rank0.compile("categorical_crossentropy", nn::SGD(0.1));
  o.strategy = nullptr;
  rank0.fit(nn::row_range(d.x, 0, 16), nn::row_range(d.y, 0, 16), {.batch_size = 16, .shuffle = false, .verbose = 0});
  for (const auto& [name, v] : rank0.named_buffers())
    for (const auto& [other, w] : model.named_buffers())
      if (name == other) BOOST_TEST(v.value().to_vector() == w.value().to_vector(), boost::test_tools::per_element());
}
