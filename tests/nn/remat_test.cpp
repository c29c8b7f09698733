// Layer::set_remat / nn::remat: a layer checkpointed while training trains to the same bits as the plain layer,
// dropout included; the flag is saved with the model; a layer with moving statistics refuses it.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <vector>

#include "nn/nn.hpp"
#include "tests/message.hpp"
#include "tests/scratch.hpp"

using autodiff::Shape;
using autodiff::Tensor;

namespace {

// LSTM (return_sequences) → Dropout → Flatten → Dense; `remat_lstm` and `remat_dropout` checkpoint those layers.
nn::Sequential model(bool remat_lstm, bool remat_dropout, autodiff::DType dtype = autodiff::DType::f32) {
  autodiff::manual_seed(5);
  nn::Sequential m;
  nn::LSTM lstm(8, {.return_sequences = true});
  lstm.set_remat(remat_lstm);
  nn::Dropout dropout(0.3);
  dropout.set_remat(remat_dropout);
  m.add(lstm);
  m.add(dropout);
  m.add(nn::Flatten());
  m.add(nn::Dense(3, {.activation = "softmax"}));
  m.build(Shape{6, 4}, dtype);
  m.compile("categorical_crossentropy", nn::Adam(0.01));
  return m;
}

nn::Sequential model(bool remat) { return model(remat, remat); }

std::vector<std::vector<double>> trained(nn::Sequential m, autodiff::DType dtype = autodiff::DType::f32) {
  autodiff::Generator gen(2);
  const Tensor x = autodiff::randn({16, 6, 4}, gen, dtype);
  const Tensor y = autodiff::one_hot(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, 3, dtype);
  m.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0, .seed = 1});
  std::vector<std::vector<double>> out;
  for (const auto& [name, v] : m.named_state()) out.push_back(v.value().to_vector());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_rematerialised_dropout_trains_to_the_same_bits) {
  const auto plain = trained(model(false, false)), remat = trained(model(false, true));
  BOOST_REQUIRE_EQUAL(plain.size(), remat.size());
  for (size_t i = 0; i < plain.size(); ++i) BOOST_TEST(remat[i] == plain[i], boost::test_tools::per_element());
}

// The LSTM checkpoints segments of √time steps; its weights' gradients are then summed per segment, so they
// match the plain run to rounding, not bit for bit.
BOOST_AUTO_TEST_CASE(a_rematerialised_lstm_trains_as_the_plain_one_in_float64) {
  const auto plain = trained(model(false, false, autodiff::DType::f64), autodiff::DType::f64);
  const auto remat = trained(model(true, false, autodiff::DType::f64), autodiff::DType::f64);
  BOOST_REQUIRE_EQUAL(plain.size(), remat.size());
  for (size_t i = 0; i < plain.size(); ++i)
    for (size_t k = 0; k < plain[i].size(); ++k)
      BOOST_TEST(remat[i][k] == plain[i][k], boost::test_tools::tolerance(1e-11));
}

BOOST_AUTO_TEST_CASE(a_rematerialised_layer_leaves_one_node_on_the_tape) {
  auto nodes = [](bool remat) {
    nn::Sequential m = model(remat);
    const autodiff::TapeScope tape;
    (void)m(autodiff::Var(autodiff::ones({2, 6, 4})));
    return autodiff::active_tape().size();
  };
  // The LSTM's 6 steps record dozens of nodes; checkpointed, two segments of 3 steps and the dropout are a
  // node each, beside a few for cutting the segments apart.
  BOOST_TEST(nodes(true) + 30 < nodes(false));
}

// Bidirectional hands its flag to both copies, which checkpoint segments of steps as a lone LSTM does.
BOOST_AUTO_TEST_CASE(a_rematerialised_bidirectional_lstm_trains_as_the_plain_one_and_records_less) {
  const autodiff::DType f64 = autodiff::DType::f64;
  const auto make = [&](bool remat) {
    autodiff::manual_seed(6);
    nn::Sequential m;
    nn::LSTM lstm(4, {.return_sequences = true});
    lstm.set_remat(remat);
    m.add(nn::Bidirectional(lstm));
    m.add(nn::Flatten());
    m.add(nn::Dense(3, {.activation = "softmax"}));
    m.build(Shape{6, 4}, f64);
    m.compile("categorical_crossentropy", nn::Adam(0.01));
    return m;
  };
  BOOST_TEST(make(true).layers()[0]->remat());
  const auto plain = trained(make(false), f64), remat = trained(make(true), f64);
  BOOST_REQUIRE_EQUAL(plain.size(), remat.size());
  for (size_t i = 0; i < plain.size(); ++i)
    for (size_t k = 0; k < plain[i].size(); ++k)
      BOOST_TEST(remat[i][k] == plain[i][k], boost::test_tools::tolerance(1e-11));
  const auto nodes = [&](bool remat) {
    nn::Sequential m = make(remat);
    const autodiff::TapeScope tape;
    (void)m(autodiff::Var(autodiff::ones({2, 6, 4}, f64)));
    return autodiff::active_tape().size();
  };
  BOOST_TEST(nodes(true) + 60 < nodes(false));
}

BOOST_AUTO_TEST_CASE(the_remat_flag_is_saved_with_the_model) {
  const testing::Scratch scratch;
  nn::Sequential m = model(true);
  m.save(scratch.dir / "remat.safetensors");
  const auto loaded = std::dynamic_pointer_cast<nn::Sequential>(nn::load_model(scratch.dir / "remat.safetensors"));
  BOOST_TEST(loaded->layers()[0]->remat());
  BOOST_TEST(loaded->layers()[1]->remat());
  BOOST_TEST(!loaded->layers()[3]->remat());
}

BOOST_AUTO_TEST_CASE(a_layer_with_moving_statistics_refuses_remat) {
  nn::Sequential m;
  m.add(nn::remat(nn::BatchNormalization({.input_shape = Shape{3}})));
  m.compile("mse", nn::SGD(0.1));
  BOOST_CHECK_EXCEPTION(m.train_on_batch(autodiff::ones({4, 3}), autodiff::ones({4, 3})), autodiff::ValueError,
                        testing::message_has({"batch_normalization", "remat", "twice"}));
}
