// The functional API: Input, layers called on symbolic tensors, Model(inputs, outputs) with skips, shared layers,
// merge layers, several inputs and outputs; its training, summary, files and construction errors.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "nn/nn.hpp"
#include "tests/message.hpp"
#include "tests/scratch.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

bool same(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && a.to_vector() == b.to_vector(); }

bool close(const Tensor& a, const Tensor& b, double tol) {
  const std::vector<double> u = a.to_vector(), v = b.to_vector();
  if (u.size() != v.size()) return false;
  for (size_t i = 0; i < u.size(); ++i)
    if (std::abs(u[i] - v[i]) > tol * (1 + std::abs(v[i]))) return false;
  return true;
}

// x → Dense(8, tanh) → Add with a projection of x → Dense(3, softmax): a residual classifier.
nn::Model residual(DType dtype = DType::f32) {
  autodiff::manual_seed(3);
  const auto x = nn::Input({4}, {.name = "features", .dtype = dtype});
  const auto h = nn::Dense(8, {.activation = "tanh"})(x);
  const auto skip = nn::Dense(8, {.use_bias = false})(x);
  const auto y = nn::Dense(3, {.activation = "softmax"})(nn::Add()({h, skip}));
  return nn::Model(x, y, "residual");
}

Tensor data(const Shape& shape, uint64_t seed, DType dtype = DType::f32) {
  autodiff::Generator gen(seed);
  return autodiff::randn(shape, gen, dtype);
}

Tensor one_hot_rows(int64_t n, int64_t k) {
  std::vector<double> v(size_t(n * k), 0.0);
  for (int64_t i = 0; i < n; ++i) v[size_t(i * k + (i * 7 + 1) % k)] = 1.0;
  return Tensor::from(v, {n, k});
}

}  // namespace

BOOST_AUTO_TEST_CASE(residual_model_runs_its_layers_in_graph_order) {
  nn::Model model = residual();
  const nn::Functional& graph = *model.functional();
  BOOST_TEST(graph.layers().size() == 4u);
  const Tensor x = data({5, 4}, 1);
  // The same layers applied by hand, in eager mode.
  auto& dense_1 = graph.layer("dense_1");
  auto& dense_2 = graph.layer("dense_2");
  auto& add = graph.layer("add_1");
  auto& dense_3 = graph.layer("dense_3");
  const Var by_hand = dense_3(add.call_many({dense_1(Var(x)), dense_2(Var(x))})[0]);
  const Tensor predicted = model.predict(x);
  BOOST_TEST(same(predicted, by_hand.value()));
  BOOST_TEST(predicted.shape() == (Shape{5, 3}));
}

BOOST_AUTO_TEST_CASE(a_layer_called_twice_shares_its_weights) {
  autodiff::manual_seed(4);
  const auto a = nn::Input({3}), b = nn::Input({3});
  auto shared = std::make_shared<nn::Dense>(2);
  const auto out = nn::Concatenate()({(*shared)(a), (*shared)(b)});
  nn::Model model({a, b}, out);
  BOOST_TEST(model.named_parameters().size() == 2u);  // one kernel, one bias
  const Tensor xa = data({4, 3}, 2), xb = data({4, 3}, 3);
  // The gradient of the sum of both calls is the sum of each call's gradient.
  const Var y = model.forward_many({Var(xa), Var(xb)})[0];
  autodiff::backward(autodiff::sum(y));
  const Tensor both = shared->named_parameters()[0].second.grad();
  model.zero_grad();
  autodiff::backward(autodiff::sum((*shared)(Var(xa))) + autodiff::sum((*shared)(Var(xb))));
  BOOST_TEST(close(both, shared->named_parameters()[0].second.grad(), 1e-6));
  BOOST_TEST(contains(model.summary(), "multiple"));
}

BOOST_AUTO_TEST_CASE(an_unshared_layer_object_cannot_be_called_symbolically) {
  const auto x = nn::Input({3});
  nn::Dense dense(2);
  BOOST_CHECK_EXCEPTION(dense(x), autodiff::ValueError, testing::message_has({"std::shared_ptr"}));
}

BOOST_AUTO_TEST_CASE(two_inputs_two_outputs_train_with_weighted_losses) {
  autodiff::manual_seed(5);
  const auto a = nn::Input({4}, {.name = "a"}), b = nn::Input({2}, {.name = "b"});
  const auto h = nn::named(nn::Dense(8, {.activation = "relu"}), "trunk")(nn::Concatenate()({a, b}));
  const auto value = nn::named(nn::Dense(1), "value")(h);
  const auto label = nn::named(nn::Dense(3, {.activation = "softmax"}), "label")(h);
  nn::Model model({a, b}, {value, label});
  model.compile({"mse", "categorical_crossentropy"}, nn::SGD(0.05), {"accuracy"}, {1.0, 0.5});
  const Tensor xa = data({64, 4}, 6), xb = data({64, 2}, 7), yv = data({64, 1}, 8), yl = one_hot_rows(64, 3);
  const nn::Logs before = model.evaluate({xa, xb}, {yv, yl});
  BOOST_TEST(before.count("value_loss") == 1u);
  BOOST_TEST(before.count("label_loss") == 1u);
  BOOST_TEST(before.count("label_accuracy") == 1u);
  BOOST_TEST(before.at("loss") == before.at("value_loss") + 0.5 * before.at("label_loss"),
             boost::test_tools::tolerance(1e-5));
  const nn::History history = model.fit({xa, xb}, {yv, yl}, {.batch_size = 16, .epochs = 5, .verbose = 0, .seed = 1});
  BOOST_TEST(history.history.at("loss").back() < history.history.at("loss").front());
  const std::vector<Tensor> predicted = model.predict({xa, xb});
  BOOST_TEST(predicted.size() == 2u);
  BOOST_TEST(predicted[1].shape() == (Shape{64, 3}));
  BOOST_CHECK_EXCEPTION(model.predict(xa), autodiff::ValueError, testing::message_has({"takes 2 inputs"}));
}

BOOST_AUTO_TEST_CASE(compile_checks_losses_against_outputs) {
  nn::Model model = residual();
  BOOST_CHECK_EXCEPTION(model.compile({"mse", "mse"}, nn::SGD(0.1)), autodiff::ValueError,
                        testing::message_has({"2 losses for a model with 1 outputs"}));
}

BOOST_AUTO_TEST_CASE(summary_lists_inputs_layers_and_connections) {
  const std::string s = residual().summary();
  BOOST_TEST(contains(s, "Model: \"residual\""));
  BOOST_TEST(contains(s, "Connected to"));
  BOOST_TEST(contains(s, "features (InputLayer)"));
  BOOST_TEST(contains(s, "[(None, 4)]"));
  BOOST_TEST(contains(s, "add_1 (Add)"));
  BOOST_TEST(contains(s, "['dense_1[0][0]', 'dense_2[0][0]']"));
  BOOST_TEST(contains(s, "Total params: 99"));  // 4·8+8 + 4·8 + 8·3+3
}

BOOST_AUTO_TEST_CASE(save_and_load_rebuild_the_graph_and_its_weights) {
  testing::Scratch scratch;
  nn::Model model = residual();
  model.compile("categorical_crossentropy", nn::Adam(0.01), {"accuracy"});
  const Tensor x = data({8, 4}, 9);
  (void)model.fit(x, one_hot_rows(8, 3), {.batch_size = 4, .epochs = 1, .verbose = 0});
  const auto path = scratch.dir / "residual.safetensors";
  model.save(path);
  const std::shared_ptr<nn::Model> loaded = nn::load_model(path);
  BOOST_REQUIRE(loaded->functional() != nullptr);
  BOOST_TEST(loaded->model_name() == "residual");
  BOOST_TEST(loaded->compiled());
  BOOST_TEST(loaded->optimizer().type() == "Adam");
  BOOST_TEST(same(loaded->predict(x), model.predict(x)));
  BOOST_TEST(loaded->summary() == model.summary());
  BOOST_TEST(!nn::load_model(path, {.compile = false})->compiled());
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_a_functional_model_resumes) {
  testing::Scratch scratch;
  nn::Model model = residual();
  model.compile("categorical_crossentropy", nn::Adam(0.01));
  const Tensor x = data({8, 4}, 10);
  (void)model.fit(x, one_hot_rows(8, 3), {.batch_size = 4, .epochs = 1, .verbose = 0});
  nn::save_checkpoint(scratch.dir / "c.safetensors", model, 1);
  nn::Model again = residual();
  again.compile("categorical_crossentropy", nn::Adam(0.01));
  BOOST_TEST(nn::load_checkpoint(scratch.dir / "c.safetensors", again) == 1);
  BOOST_TEST(same(again.predict(x), model.predict(x)));
}

BOOST_AUTO_TEST_CASE(construction_errors_name_both_layers_and_shapes) {
  const auto x = nn::Input({4}, {.name = "features"});
  BOOST_CHECK_EXCEPTION(nn::Add()({nn::Dense(3)(x), nn::Dense(5)(x)}), autodiff::ShapeError,
                        testing::message_has({"layer Add cannot take the output of Dense, shape [3] and the output of Dense, "
                                    "shape [5]"}));
  BOOST_CHECK_EXCEPTION(nn::Conv2D(2, {3, 3})(x), autodiff::ShapeError,
                        testing::message_has({"layer Conv2D cannot take input 'features', shape [4]"}));
  const auto named = nn::named(nn::Dense(3), "encoder")(x);
  const auto grid = nn::Input({2, 2}, {.name = "grid"});
  BOOST_CHECK_EXCEPTION(nn::Concatenate()({named, grid}), autodiff::ShapeError,
                        testing::message_has({"the output of 'encoder' (Dense), shape [3] and input 'grid', shape [2, 2]"}));
}

BOOST_AUTO_TEST_CASE(outputs_must_come_from_the_inputs_given) {
  const auto a = nn::Input({2}), b = nn::Input({2});
  const auto y = nn::Add()({a, b});
  BOOST_CHECK_EXCEPTION(nn::Model(a, y), autodiff::ValueError, testing::message_has({"not among the model's inputs"}));
}

BOOST_AUTO_TEST_CASE(a_wrong_input_shape_at_run_time_names_the_input) {
  nn::Model model = residual();
  BOOST_CHECK_EXCEPTION(model.predict(data({2, 5}, 1)), autodiff::ShapeError,
                        testing::message_has({"input 'features' takes [4] per sample"}));
}

BOOST_AUTO_TEST_CASE(gradients_of_a_functional_model_check_in_float64) {
  nn::Model model = residual(DType::f64);
  const nn::NamedParams params = model.named_parameters();
  std::vector<Tensor> inputs{data({3, 4}, 11, DType::f64)};
  for (const auto& [name, p] : params) inputs.push_back(p.value());
  const Tensor w = data({3, 3}, 12, DType::f64);
  auto f = [&](const std::vector<Var>& v) {
    nn::NamedParams subs;
    for (size_t i = 0; i < params.size(); ++i) subs.emplace_back(params[i].first, v[i + 1]);
    return autodiff::sum(model.functional_call(subs, v[0]) * Var(w));
  };
  const autodiff::GradcheckResult r = autodiff::gradcheck(f, inputs, {.name = "functional"});
  BOOST_TEST(r.ok, r.report);
  const autodiff::GradcheckResult r2 = autodiff::gradgradcheck(f, inputs, {.name = "functional"});
  BOOST_TEST(r2.ok, r2.report);
}

BOOST_AUTO_TEST_CASE(subtract_takes_exactly_two_inputs) {
  BOOST_CHECK_EXCEPTION(nn::Subtract().call_many({Var(data({2, 3}, 1)), Var(data({2, 3}, 2)), Var(data({2, 3}, 3))}),
                        autodiff::ValueError, testing::message_has({"exactly 2"}));
}

BOOST_AUTO_TEST_CASE(a_subclassed_model_is_summarised_from_its_layers) {
  struct Net : nn::Model {
    std::shared_ptr<nn::Dense> hidden = std::make_shared<nn::Dense>(5), out = std::make_shared<nn::Dense>(2);
    Net() {
      register_module("hidden", hidden);
      register_module("out", out);
    }
    Var forward(const Var& x) override { return (*out)((*hidden)(x)); }
  };
  Net net;
  net.build({3});
  const std::string s = net.summary();
  BOOST_TEST(contains(s, "hidden (Dense)"));
  BOOST_TEST(contains(s, "(None, 5)"));
  BOOST_TEST(contains(s, "out (Dense)"));
  BOOST_TEST(contains(s, "(None, 2)"));
}
