// The snippets of docs/nn.md marked "// guide: <name>", each run as a test case with checks of what the doc
// says it does. The last case keeps the doc and this file in step.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <filesystem>
#include <set>

#include "nn/nn.hpp"
#include "tests/guide.hpp"
#include "tests/scratch.hpp"

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

BOOST_AUTO_TEST_CASE(functional) {
  const testing::Scratch scratch;
  struct InScratch {  // the snippet saves into the working directory; the other cases read docs/ from the root
    std::filesystem::path root = std::filesystem::current_path();
    explicit InScratch(const std::filesystem::path& dir) { std::filesystem::current_path(dir); }
    ~InScratch() { std::filesystem::current_path(root); }
  } in_scratch(scratch.dir);
  autodiff::Generator gen(1);
  const Tensor x_image = autodiff::rand({32, 784}, gen), x_meta = autodiff::randn({32, 4}, gen);
  std::vector<double> labels(32 * 10, 0.0);
  for (size_t i = 0; i < 32; ++i) labels[i * 10 + i % 10] = 1.0;
  const Tensor y_digit = Tensor::from(labels, {32, 10}), y_size = autodiff::randn({32, 1}, gen);
  // guide: functional
  autodiff::manual_seed(0);
  SymbolicTensor image = Input({784}, {.name = "image"});
  SymbolicTensor meta = Input({4}, {.name = "meta"});
  SymbolicTensor h = Dense(64, {.activation = "relu"})(image);
  h = Add()({h, Dense(64, {.activation = "relu"})(h)});  // a residual connection
  auto shared = std::make_shared<Dense>(16, DenseOptions{.activation = "tanh"});
  SymbolicTensor joined = Concatenate()({(*shared)(Dense(16)(h)), (*shared)(Dense(16)(meta))});  // one layer, two calls
  SymbolicTensor digit = named(Dense(10, {.activation = "softmax"}), "digit")(joined);
  SymbolicTensor size = named(Dense(1), "size")(joined);
  Model model({image, meta}, {digit, size}, "two_heads");
  model.compile({"categorical_crossentropy", "mse"}, Adam(1e-3), {"accuracy"}, {1.0, 0.2});
  History history = model.fit({x_image, x_meta}, {y_digit, y_size}, {.epochs = 2, .verbose = 0});
  std::vector<Tensor> outputs = model.predict({x_image, x_meta});  // [n, 10] and [n, 1]
  model.save("two_heads.safetensors");
  std::shared_ptr<Model> again = load_model("two_heads.safetensors", {.compile = false});
  // end
  BOOST_TEST(history["digit_loss"].size() == 2u);
  BOOST_TEST(history["digit_accuracy"].size() == 2u);
  BOOST_TEST(history["loss"].back() < history["loss"].front());
  BOOST_TEST(outputs[0].shape() == (Shape{32, 10}));
  BOOST_TEST(outputs[1].shape() == (Shape{32, 1}));
  BOOST_TEST(!again->compiled());
  BOOST_TEST(again->predict({x_image, x_meta})[1].to_vector() == outputs[1].to_vector(), boost::test_tools::per_element());
  BOOST_TEST(model.named_parameters().size() == 14u);  // 7 Dense layers, kernel and bias: the shared one once
}

BOOST_AUTO_TEST_CASE(attention) {
  // guide: attention
  autodiff::manual_seed(0);
  MultiHeadAttention mha(4, 8, {.use_causal_mask = true});
  Tensor tokens = autodiff::randn({2, 10, 32});                    // [batch, T, d]
  Tensor padding = autodiff::ones({2, 1, 10});                     // 1 = attend; [batch, 1, Tk]
  Var y = mha.attend(Var(tokens), Var(tokens), {.attention_mask = Var(padding)});  // [2, 10, 32]
  auto [out, scores] = mha.attend_with_scores(Var(tokens), Var(tokens));          // scores [2, 4, 10, 10]
  Sequential model;                                                // self-attention in a Sequential
  model.add(MultiHeadAttention(2, 16, {.dropout = 0.1, .input_shape = Shape{28, 28}}));
  model.add(Flatten());
  model.add(Dense(10, {.activation = "softmax"}));
  // end
  BOOST_TEST(y.shape() == (Shape{2, 10, 32}));
  BOOST_TEST(scores.shape() == (Shape{2, 4, 10, 10}));
  BOOST_TEST(out.value().to_vector() == y.value().to_vector(), boost::test_tools::per_element());  // causal either way
  model.compile("categorical_crossentropy", Adam(1e-3));
  BOOST_TEST(model.predict(autodiff::randn({3, 28, 28})).shape() == (Shape{3, 10}));
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
  BOOST_TEST(testing::check_guide_snippets("docs/nn.md", "tests/nn/guide_test.cpp") == 5);
}
