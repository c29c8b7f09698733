#include "nn/nn.hpp"
#include "tests/message.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

using testing::message_has;

std::vector<double> values(const Tensor& t) { return t.to_vector(); }

nn::Sequential mlp() {
  return nn::Sequential{nn::Dense(500, {.activation = "sigmoid", .input_shape = Shape{784}}),
                        nn::Dense(500, {.activation = "sigmoid"}), nn::Dense(10, {.activation = "softmax"})};
}

nn::Sequential cnn() {
  return nn::Sequential{
      nn::Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu", .input_shape = Shape{28, 28, 1}}),
      nn::MaxPooling2D({2, 2}),
      nn::Conv2D(10, {3, 3}, {.padding = "same", .activation = "relu"}),
      nn::MaxPooling2D({2, 2}),
      nn::Flatten(),
      nn::Dense(200, {.activation = "relu"}),
      nn::Dense(10, {.activation = "softmax"})};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(shapes)

BOOST_AUTO_TEST_CASE(dense_maps_the_last_axis) {
  nn::Dense d(10);
  BOOST_TEST(d.output_shape({784}) == (Shape{10}));
  BOOST_TEST(d.output_shape({5, 784}) == (Shape{5, 10}));
}

BOOST_AUTO_TEST_CASE(dense_forward_on_rank3_input_acts_on_last_axis) {
  nn::Dense d(4);
  const Var y = d(Var(autodiff::ones({2, 3, 5})));
  BOOST_TEST(y.shape() == (Shape{2, 3, 4}));
  BOOST_TEST(d.kernel().shape() == (Shape{5, 4}));
}

BOOST_AUTO_TEST_CASE(conv2d_output_shapes_follow_padding_strides_and_dilation) {
  BOOST_TEST(nn::Conv2D(10, {3, 3}).output_shape({28, 28, 1}) == (Shape{26, 26, 10}));
  BOOST_TEST(nn::Conv2D(10, {3, 3}, {.padding = "same"}).output_shape({28, 28, 1}) == (Shape{28, 28, 10}));
  BOOST_TEST(nn::Conv2D(4, {3, 3}, {.strides = {2, 2}, .padding = "same"}).output_shape({7, 7, 1}) == (Shape{4, 4, 4}));
  BOOST_TEST(nn::Conv2D(4, {3, 3}, {.dilation_rate = {2, 2}}).output_shape({28, 28, 1}) == (Shape{24, 24, 4}));
}

BOOST_AUTO_TEST_CASE(conv2d_forward_matches_output_shape) {
  nn::Conv2D c(3, {3, 3}, {.strides = {2, 1}, .padding = "same"});
  const Var y = c(Var(autodiff::ones({2, 7, 6, 2})));
  BOOST_TEST(y.shape() == (Shape{2, 4, 6, 3}));
}

BOOST_AUTO_TEST_CASE(conv2d_rejects_inputs_not_of_rank_3) {
  BOOST_CHECK_EXCEPTION((void)nn::Conv2D(10, {3, 3}).output_shape({784}), autodiff::ShapeError,
                        message_has({"Conv2D", "rank 3", "[784]"}));
}

BOOST_AUTO_TEST_CASE(conv2d_rejects_a_kernel_larger_than_the_input) {
  BOOST_CHECK_EXCEPTION((void)nn::Conv2D(1, {5, 5}).output_shape({3, 3, 1}), autodiff::ShapeError,
                        message_has({"Conv2D", "[3, 3, 1]"}));
}

BOOST_AUTO_TEST_CASE(pooling_output_shapes) {
  BOOST_TEST(nn::MaxPooling2D().output_shape({28, 28, 10}) == (Shape{14, 14, 10}));
  BOOST_TEST(nn::MaxPooling2D({2, 2}).output_shape({27, 27, 3}) == (Shape{13, 13, 3}));
  BOOST_TEST(nn::AveragePooling2D({2, 2}, {.padding = "same"}).output_shape({27, 27, 3}) == (Shape{14, 14, 3}));
  BOOST_TEST(nn::MaxPooling2D({3, 3}, {.strides = {1, 1}}).output_shape({5, 5, 2}) == (Shape{3, 3, 2}));
}

BOOST_AUTO_TEST_CASE(pooling_forward_matches_output_shape) {
  nn::MaxPooling2D p({2, 2});
  BOOST_TEST(p(Var(autodiff::ones({1, 5, 4, 3}))).shape() == (Shape{1, 2, 2, 3}));
}

BOOST_AUTO_TEST_CASE(flatten_keeps_the_batch_axis) {
  nn::Flatten f;
  BOOST_TEST(f.output_shape({7, 7, 10}) == (Shape{490}));
  BOOST_TEST(f(Var(autodiff::ones({2, 7, 7, 10}))).shape() == (Shape{2, 490}));
}

BOOST_AUTO_TEST_CASE(reshape_infers_one_extent) {
  BOOST_TEST(nn::Reshape({-1, 4}).output_shape({2, 6}) == (Shape{3, 4}));
  BOOST_CHECK_THROW((void)nn::Reshape({5, -1}).output_shape({2, 6}), autodiff::ShapeError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(models)

BOOST_AUTO_TEST_CASE(mlp_has_keras_parameter_count) {
  const nn::Sequential m = mlp();
  BOOST_TEST(m.count_params() == 648010);
  const std::string s = m.summary();
  BOOST_TEST(s.find("Total params: 648,010") != std::string::npos);
  BOOST_TEST(s.find("dense_1 (Dense)") != std::string::npos);
  BOOST_TEST(s.find("(None, 500)") != std::string::npos);
  BOOST_TEST(s.find("392500") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cnn_has_keras_parameter_count) {
  const nn::Sequential m = cnn();
  BOOST_TEST(m.count_params() == 101220);
  std::vector<int64_t> counts;
  for (const auto& l : m.layers()) counts.push_back(l->count_params());
  BOOST_TEST(counts == (std::vector<int64_t>{100, 0, 910, 0, 0, 98200, 2010}), boost::test_tools::per_element());
  const std::string s = m.summary();
  BOOST_TEST(s.find("Total params: 101,220") != std::string::npos);
  BOOST_TEST(s.find("max_pooling2d_2 (MaxPooling2D)") != std::string::npos);
  BOOST_TEST(s.find("(None, 7, 7, 10)") != std::string::npos);
  BOOST_TEST(s.find("Non-trainable params: 0") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parameters_are_named_after_their_layers) {
  const nn::Sequential m = mlp();
  const nn::NamedParams p = m.named_parameters();
  BOOST_TEST(p.size() == 6u);
  BOOST_TEST(p[0].first == "dense_1.kernel");
  BOOST_TEST(p[5].first == "dense_3.bias");
  BOOST_TEST(p[0].second.name() == "dense_1.kernel");
  BOOST_TEST(p[0].second.shape() == (Shape{784, 500}));
}

BOOST_AUTO_TEST_CASE(shape_mismatch_names_both_layers_and_shapes) {
  nn::Sequential m;
  m.add(nn::Dense(10, {.input_shape = Shape{784}}));
  BOOST_CHECK_EXCEPTION(m.add(nn::Conv2D(3, {3, 3})), autodiff::ShapeError,
                        message_has({"'conv2d_1' (Conv2D)", "'dense_1' (Dense)", "[10]", "rank 3"}));
}

BOOST_AUTO_TEST_CASE(dense_takes_a_rank_3_per_sample_input) {
  nn::Sequential m{nn::Conv2D(10, {3, 3}, {.input_shape = Shape{28, 28, 1}}), nn::Dense(5)};
  BOOST_TEST(m.output_shape() == (Shape{26, 26, 5}));
}

BOOST_AUTO_TEST_CASE(snake_case_matches_keras) {
  BOOST_TEST(nn::snake_case("Conv2D") == "conv2d");
  BOOST_TEST(nn::snake_case("MaxPooling2D") == "max_pooling2d");
  BOOST_TEST(nn::snake_case("BatchNormalization") == "batch_normalization");
  BOOST_TEST(nn::snake_case("SimpleRNN") == "simple_rnn");
  BOOST_TEST(nn::snake_case("LSTM") == "lstm");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dropout)

BOOST_AUTO_TEST_CASE(training_zeroes_about_rate_and_rescales_the_rest) {
  nn::Dropout d(0.25, {.seed = 7});
  const std::vector<double> v = values(d(Var(autodiff::ones({100, 100}))).value());
  const auto zeros = std::count(v.begin(), v.end(), 0.0);
  BOOST_TEST(std::abs(double(zeros) / 10000.0 - 0.25) < 0.02);
  for (double x : v) BOOST_REQUIRE(x == 0.0 || std::abs(x - 1.0 / 0.75) < 1e-6);
}

BOOST_AUTO_TEST_CASE(eval_mode_is_the_identity) {
  nn::Dropout d(0.5);
  d.eval();
  const Tensor x = autodiff::randn({10, 10});
  BOOST_TEST(values(d(Var(x)).value()) == values(x), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_mask) {
  nn::Dropout a(0.5, {.seed = 3}), b(0.5, {.seed = 3});
  const Var x(autodiff::ones({4, 8}));
  BOOST_TEST(values(a(x).value()) == values(b(x).value()), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rate_outside_unit_interval_is_an_error) {
  BOOST_CHECK_EXCEPTION(nn::Dropout(1.0), autodiff::ValueError, message_has({"Dropout", "rate"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(dropout_gradient_matches_finite_differences_for_a_fixed_mask) {
  // A fresh layer with a fixed seed per call draws the same mask each time, so
  // finite differences see one fixed function: x ↦ mask·x / (1 − rate).
  const autodiff::Function f = [](const std::vector<Var>& in) {
    nn::Dropout dropout(0.4, {.seed = 5});
    dropout.train(true);
    return dropout(in[0]);
  };
  autodiff::Generator gen(3);
  const Tensor x = autodiff::randn({4, 5}, gen, DType::f64);
  BOOST_TEST(autodiff::gradcheck(f, {x}, {.name = "dropout"}));
  const std::vector<double> y = f({Var(x)}).value().to_vector(), xs = x.to_vector();
  int dropped = 0, scaled = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    dropped += y[i] == 0.0;
    scaled += std::abs(y[i] - xs[i] / 0.6) < 1e-12;
  }
  BOOST_TEST(dropped > 0);
  BOOST_TEST(dropped + scaled == static_cast<int>(y.size()));
}

// The sequence and pooling layers in a symbolic graph (the functional API): shapes inferred at the call, the
// layers built then.
BOOST_AUTO_TEST_CASE(sequence_and_global_pooling_layers_are_called_on_symbolic_tensors) {
  const auto conv = std::make_shared<nn::Conv1D>(4, 3, nn::Conv1DOptions{.padding = "causal"});
  const auto norm = std::make_shared<nn::LayerNormalization>();
  const auto gru = std::make_shared<nn::Bidirectional>(nn::GRU(2, {.return_sequences = true}));
  const nn::SymbolicTensor steps = nn::Input(Shape{10, 3});
  const nn::SymbolicTensor y = (*gru)((*norm)((*conv)(steps)));
  BOOST_TEST(y.shape() == (Shape{10, 4}));
  BOOST_TEST(gru->built());
  BOOST_TEST(gru->forward_layer()->kernel().shape() == (Shape{4, 6}));
  BOOST_TEST((*std::make_shared<nn::GlobalMaxPooling1D>())(y).shape() == (Shape{4}));
  const auto average_1d = std::make_shared<nn::GlobalAveragePooling1D>(nn::GlobalPoolingOptions{.keepdims = true});
  BOOST_TEST((*average_1d)(y).shape() == (Shape{1, 4}));
  const nn::SymbolicTensor image = nn::Input(Shape{5, 6, 2});
  BOOST_TEST((*std::make_shared<nn::GlobalAveragePooling2D>())(image).shape() == (Shape{2}));
  const auto max_2d = std::make_shared<nn::GlobalMaxPooling2D>(nn::GlobalPoolingOptions{.keepdims = true});
  BOOST_TEST((*max_2d)(image).shape() == (Shape{1, 1, 2}));
}
