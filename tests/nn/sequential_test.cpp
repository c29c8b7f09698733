#include <boost/test/unit_test.hpp>
#include <cmath>
#include <sstream>

#include "nn/nn.hpp"
#include "nn/losses/functions.hpp"
#include "tests/message.hpp"
#include "tests/nn/training_data.hpp"

using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;
using nn_test::Blobs;
using nn_test::blobs;
using nn_test::classifier;
using nn_test::quiet;

BOOST_AUTO_TEST_CASE(fit_lowers_the_loss_and_beats_chance) {
  const Blobs d = blobs(200, 1);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  const nn::History h = model.fit(d.x, d.y, quiet(5));
  BOOST_TEST(h["loss"].back() < 0.5 * h["loss"].front());
  BOOST_TEST(h["accuracy"].back() > 0.85);
}

BOOST_AUTO_TEST_CASE(history_has_one_value_per_epoch_for_each_key) {
  const Blobs d = blobs(100, 2);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  nn::FitOptions o = quiet(3);
  o.validation_split = 0.2;
  const nn::History h = model.fit(d.x, d.y, o);
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy"}) BOOST_TEST(h[key].size() == 3u);
  BOOST_TEST(h.history.size() == 4u);
  BOOST_TEST(h.epoch == (std::vector<int>{0, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(validation_split_holds_out_the_last_samples) {
  const Blobs d = blobs(100, 3);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  nn::FitOptions o = quiet(2);
  o.validation_split = 0.2;
  const nn::History h = model.fit(d.x, d.y, o);
  const nn::Logs val = model.evaluate(d.x.slice(0, 80, 100), d.y.slice(0, 80, 100));
  BOOST_TEST(std::abs(h["val_loss"].back() - val.at("loss")) < 1e-6);
  BOOST_TEST(std::abs(h["val_accuracy"].back() - val.at("accuracy")) < 1e-12);
}

BOOST_AUTO_TEST_CASE(evaluate_and_predict_shapes) {
  const Blobs d = blobs(50, 4);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  const nn::Logs logs = model.evaluate(d.x, d.y, 16);
  BOOST_TEST(logs.size() == 2u);
  BOOST_TEST(logs.contains("loss"));
  BOOST_TEST(logs.at("accuracy") >= 0.0);
  const Tensor p = model.predict(d.x, 16);
  BOOST_TEST(p.shape() == (Shape{50, 2}));
  BOOST_TEST(std::abs(p.at({7, 0}) + p.at({7, 1}) - 1.0) < 1e-5);
}

BOOST_AUTO_TEST_CASE(predict_matches_forward_batch_by_batch) {
  const Blobs d = blobs(10, 5);
  nn::Sequential model = classifier();
  const Tensor p = model.predict(d.x, 3);
  const Tensor full = model(Var(d.x)).value();
  for (int64_t i = 0; i < 10; ++i) BOOST_TEST(std::abs(p.at({i, 1}) - full.at({i, 1})) < 1e-6);
}

BOOST_AUTO_TEST_CASE(summary_lists_rows_and_totals) {
  const nn::Sequential model = classifier();
  const std::string s = model.summary();
  for (const char* part :
       {"Model: \"sequential\"", "Layer (type)", "Output Shape", "Param #", "dense_1 (Dense)", "dense_2 (Dense)",
        "(None, 8)", "(None, 2)", "Total params: 58", "Trainable params: 58", "Non-trainable params: 0"})
    BOOST_TEST(s.find(part) != std::string::npos, "missing " << part << " in\n" << s);
  std::ostringstream os;
  model.summary(os);
  BOOST_TEST(os.str() == s);
}

BOOST_AUTO_TEST_CASE(a_model_without_input_shape_builds_from_the_first_data) {
  autodiff::manual_seed(2);
  nn::Sequential model{nn::Dense(3), nn::Activation("relu"), nn::Dense(2)};
  BOOST_CHECK_THROW((void)model.summary(), autodiff::ValueError);
  BOOST_TEST(model.predict(autodiff::ones({5, 7})).shape() == (Shape{5, 2}));
  BOOST_TEST(model.count_params() == 7 * 3 + 3 + 3 * 2 + 2);
  BOOST_TEST(model.summary().find("(None, 3)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_model_subclass_with_its_own_forward_trains_with_fit) {
  struct Net : nn::Model {
    std::shared_ptr<nn::Dense> hidden = std::make_shared<nn::Dense>(8, nn::DenseOptions{.activation = "relu"});
    std::shared_ptr<nn::Dense> out = std::make_shared<nn::Dense>(2);
    Net() {
      register_module("hidden", hidden);
      register_module("out", out);
    }
    Var forward(const Var& x) override { return autodiff::softmax((*out)((*hidden)(x))); }
  };
  autodiff::manual_seed(3);
  const Blobs d = blobs(200, 17);
  Net net;
  net.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  const nn::History h = net.fit(d.x, d.y, quiet(5));
  BOOST_TEST(h["loss"].back() < h["loss"].front());
  BOOST_TEST(h["accuracy"].back() > 0.85);
  BOOST_TEST(net.named_parameters()[0].first == "hidden.kernel");
}

BOOST_AUTO_TEST_CASE(a_wrapped_module_trains_with_fit) {
  autodiff::manual_seed(4);
  const Blobs d = blobs(200, 18);
  auto inner = std::make_shared<nn::Sequential>(
      nn::Sequential{nn::Dense(8, {.activation = "tanh"}), nn::Dense(2, {.activation = "softmax"})});
  nn::Model model(inner);
  model.compile("categorical_crossentropy", std::make_shared<nn::SGD>(0.1), {"accuracy"});
  const nn::History h = model.fit(d.x, d.y, quiet(5));
  BOOST_TEST(h["accuracy"].back() > 0.85);
  BOOST_TEST(model.named_parameters()[0].first == "dense_1.kernel");
}

BOOST_AUTO_TEST_CASE(a_user_written_loop_trains_the_model) {
  const Blobs d = blobs(64, 19);
  nn::Sequential model = classifier();
  nn::SGD opt(0.2);
  opt.add_params(model.named_parameters());
  std::vector<double> losses;
  for (int step = 0; step < 30; ++step) {
    autodiff::TapeScope scope;
    const Var loss = nn::losses::categorical_crossentropy(Var(d.y), model(Var(d.x)));
    losses.push_back(loss.item());
    autodiff::backward(loss);
    opt.step();
    opt.zero_grad();
  }
  BOOST_TEST(losses.back() < 0.5 * losses.front());
}

BOOST_AUTO_TEST_CASE(train_on_batch_takes_one_step) {
  const Blobs d = blobs(16, 20);
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1));
  const nn::Logs first = model.train_on_batch(d.x, d.y);
  BOOST_TEST(first.contains("loss"));
  BOOST_TEST(model.optimizer().iterations() == 1);
}

BOOST_AUTO_TEST_CASE(dropout_trains_but_predict_is_deterministic) {
  autodiff::manual_seed(5);
  const Blobs d = blobs(100, 21);
  nn::Sequential model{nn::Dense(16, {.activation = "relu", .input_shape = Shape{4}}), nn::Dropout(0.3),
                       nn::Dense(2, {.activation = "softmax"})};
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  model.fit(d.x, d.y, quiet(3));
  BOOST_TEST(model.predict(d.x).to_vector() == model.predict(d.x).to_vector());
  BOOST_TEST(model.training());
}

BOOST_AUTO_TEST_CASE(fit_before_compile_is_an_error) {
  const Blobs d = blobs(8, 22);
  nn::Sequential model = classifier();
  BOOST_CHECK_EXCEPTION(model.fit(d.x, d.y, quiet(1)), autodiff::ValueError, [](const std::exception& e) {
    return std::string(e.what()).find("compile") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(evaluate_on_no_samples_is_an_error_naming_the_shapes) {
  nn::Sequential model = classifier();
  model.compile("categorical_crossentropy", nn::SGD(0.1), {"accuracy"});
  BOOST_CHECK_EXCEPTION(model.evaluate(autodiff::zeros({0, 4}), autodiff::zeros({0, 2})), autodiff::ValueError,
                        testing::message_has({"evaluate", "at least one sample", "[0, 4]", "[0, 2]"}));
}
