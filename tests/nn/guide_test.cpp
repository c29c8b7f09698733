// The snippets of docs/nn.md marked "// guide: <name>", each run as a test case with checks of what the doc
// says it does. The last case keeps the doc and this file in step.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <set>

#include "nn/nn.hpp"
#include "tests/guide.hpp"

using namespace nn;

BOOST_AUTO_TEST_CASE(float64) {
  // guide: float64
  autodiff::manual_seed(0);
  Sequential model{Dense(16, {.activation = "tanh"}), Dense(1)};  // no input_shape: nothing built yet
  model.build(Shape{4}, autodiff::DType::f64);                     // every weight in float64
  model.compile("mse", Adam(1e-2));
  Tensor x = autodiff::randn({64, 4}, autodiff::DType::f64);
  Tensor y = autodiff::sum(Var(x), {1}, /*keepdims=*/true).value();
  History history = model.fit(x, y, {.epochs = 20, .verbose = 0});
  Tensor predictions = model.predict(x);                           // float64 too
  // end
  for (const auto& [name, p] : model.named_parameters()) BOOST_TEST((p.dtype() == autodiff::DType::f64), name);
  BOOST_TEST((predictions.dtype() == autodiff::DType::f64));
  BOOST_TEST(history["loss"].back() < 0.5 * history["loss"].front());
  BOOST_CHECK_THROW(model.predict(x.to(autodiff::DType::f32)), autodiff::ValueError);
}

BOOST_AUTO_TEST_CASE(remat_) {
  // guide: remat
  autodiff::manual_seed(0);
  Sequential model;
  model.add(remat(LSTM(32, {.return_sequences = true, .input_shape = Shape{100, 8}})));
  model.add(Flatten());
  model.add(Dense(1));
  model.compile("mse", Adam(1e-3));
  Tensor x = autodiff::randn({16, 100, 8});
  Tensor y = autodiff::randn({16, 1});
  History history = model.fit(x, y, {.batch_size = 8, .epochs = 2, .verbose = 0});
  // end
  BOOST_TEST(model.layers()[0]->remat());
  BOOST_TEST(history["loss"].size() == 2u);
  BOOST_TEST(std::isfinite(history["loss"].back()));
}

BOOST_AUTO_TEST_CASE(sequence_layers) {
  // guide: sequence layers
  autodiff::manual_seed(0);
  Sequential model;
  model.add(Conv1D(8, 3, {.padding = "causal", .activation = "relu", .input_shape = Shape{20, 4}}));
  model.add(LayerNormalization());
  model.add(Bidirectional(LSTM(6, {.return_sequences = true})));  // [20, 12]: both directions side by side
  model.add(GlobalAveragePooling1D());                              // [12]
  model.add(Dense(1));
  model.compile("mse", Adam(1e-2));
  Tensor x = autodiff::randn({32, 20, 4});
  Tensor y = autodiff::mean(Var(x), {1, 2}).value().reshape({32, 1});
  History history = model.fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0});
  // end
  BOOST_TEST(model.layers()[2]->output_shape(Shape{20, 8}) == (Shape{20, 12}));
  BOOST_TEST(model.layers()[3]->output_shape(Shape{20, 12}) == (Shape{12}));
  std::set<std::string> names;
  for (const auto& [name, p] : model.named_parameters()) names.insert(name);
  BOOST_TEST(names.contains("bidirectional_1.forward_lstm.kernel"));
  BOOST_TEST(names.contains("bidirectional_1.backward_lstm.kernel"));
  BOOST_TEST(history["loss"].back() < history["loss"].front());
}

BOOST_AUTO_TEST_CASE(every_guide_snippet_is_tested_verbatim) {
  BOOST_TEST(testing::check_guide_snippets("docs/nn.md", "tests/nn/guide_test.cpp") == 3);
}
