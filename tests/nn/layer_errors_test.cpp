// An error raised inside a layer names the layer, whatever op raised it: Sequential calls every layer through
// Layer::call, which rejects an input of another dtype than the weights before any op sees it.
#include <boost/test/unit_test.hpp>

#include "nn/nn.hpp"
#include "tests/message.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;

namespace {
nn::FitOptions quiet() { return {.epochs = 1, .verbose = 0}; }
}  // namespace

BOOST_AUTO_TEST_CASE(float64_data_into_a_float32_dense_names_the_layer_in_predict_and_fit) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::Dense(3, {.input_shape = Shape{4}}), nn::Dense(2)};
  model.compile("mse", nn::SGD(0.1));
  const Tensor x = autodiff::randn({5, 4}, DType::f64);
  const auto names_dense_1 = testing::message_has({"dense_1: input is float64, the layer's weights are float32",
                                                   "[5, 4]"});
  BOOST_CHECK_EXCEPTION(model.predict(x), autodiff::ValueError, names_dense_1);
  BOOST_CHECK_EXCEPTION(model.fit(x, autodiff::zeros({5, 2}, DType::f64), quiet()), autodiff::ValueError,
                        names_dense_1);
}

BOOST_AUTO_TEST_CASE(float64_data_into_a_float32_conv2d_names_the_layer) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::Conv2D(2, {3, 3}, {.input_shape = Shape{6, 6, 1}}), nn::Flatten(), nn::Dense(2)};
  model.compile("mse", nn::SGD(0.1));
  BOOST_CHECK_EXCEPTION(model.fit(autodiff::randn({4, 6, 6, 1}, DType::f64), autodiff::zeros({4, 2}), quiet()),
                        autodiff::ValueError,
                        testing::message_has({"conv2d_1: input is float64, the layer's weights are float32"}));
}

BOOST_AUTO_TEST_CASE(float64_data_into_a_float32_lstm_names_the_layer) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::LSTM(4, {.input_shape = Shape{5, 3}})};
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({2, 5, 3}, DType::f64)), autodiff::ValueError,
                        testing::message_has({"lstm_1: input is float64, the layer's weights are float32"}));
}

BOOST_AUTO_TEST_CASE(float32_data_into_a_float64_model_names_the_layer) {
  nn::Sequential model{nn::Dense(3), nn::Dense(2)};
  model.build(Shape{4}, DType::f64);
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({5, 4})), autodiff::ValueError,
                        testing::message_has({"dense_1: input is float32, the layer's weights are float64"}));
}

BOOST_AUTO_TEST_CASE(an_op_error_inside_a_layer_keeps_its_type_and_gains_the_layer_name) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::Dense(3), nn::Dense(2)};
  model.build(Shape{4});
  // The second layer gets 3 features where it expects 4: a layer of the user's own calls it directly.
  nn::Dense& second = static_cast<nn::Dense&>(model.layer("dense_2"));
  BOOST_CHECK_EXCEPTION(second(autodiff::Var(autodiff::randn({5, 4}))), autodiff::ShapeError,
                        testing::message_has({"dense_2: ", "[5, 4]"}));
}

BOOST_AUTO_TEST_CASE(layers_without_weights_take_either_dtype) {
  nn::Sequential model{nn::Flatten(), nn::Dropout(0.5)};
  BOOST_TEST(model.predict(autodiff::randn({2, 3, 2}, DType::f64)).dtype() == DType::f64);
  BOOST_TEST(model.predict(autodiff::randn({2, 3, 2})).dtype() == DType::f32);
}

BOOST_AUTO_TEST_CASE(conv1d_given_an_image_names_the_layer_and_the_shape) {
  nn::Sequential model{nn::Conv1D(2, 3)};
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({2, 5, 5, 1})), autodiff::ShapeError,
                        testing::message_has({"'conv1d_1' (Conv1D)", "expected rank 2 input [steps, channels]",
                                              "[5, 5, 1]"}));
}

BOOST_AUTO_TEST_CASE(a_built_conv1d_called_on_an_image_names_itself_and_the_shape) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::Conv1D(2, 3, {.input_shape = Shape{5, 1}})};
  BOOST_CHECK_EXCEPTION(model.layer("conv1d_1")(autodiff::Var(autodiff::randn({2, 5, 5, 1}))), autodiff::ShapeError,
                        testing::message_has({"conv1d_1: ", "expected input [batch, steps, channels]",
                                              "[2, 5, 5, 1]"}));
}

BOOST_AUTO_TEST_CASE(conv1d_kernel_longer_than_the_input_fails_at_add) {
  nn::Sequential model;
  BOOST_CHECK_EXCEPTION(model.add(nn::Conv1D(2, 5, {.input_shape = Shape{3, 2}})), autodiff::ShapeError,
                        testing::message_has({"Conv1D", "kernel of size 5", "[3, 2]"}));
}

BOOST_AUTO_TEST_CASE(conv1d_bad_padding_is_named) {
  BOOST_CHECK_EXCEPTION(nn::Conv1D(2, 3, {.padding = "full"}), autodiff::ValueError,
                        testing::message_has({"Conv1D", "\"causal\"", "\"full\""}));
}

BOOST_AUTO_TEST_CASE(layer_norm_axis_outside_the_input_names_the_axis_and_shape) {
  nn::Sequential model;
  BOOST_CHECK_EXCEPTION(model.add(nn::LayerNormalization({.axis = {3}, .input_shape = Shape{4, 2}})),
                        autodiff::ShapeError, testing::message_has({"LayerNormalization", "axis 3", "[4, 2]"}));
  nn::Sequential batch_axis{nn::LayerNormalization({.axis = {0}})};
  BOOST_CHECK_EXCEPTION(batch_axis.predict(autodiff::randn({2, 3})), autodiff::ShapeError,
                        testing::message_has({"'layer_normalization_1'", "axis 0", "0 is the batch", "[3]"}));
}

BOOST_AUTO_TEST_CASE(layer_norm_built_for_other_features_names_both) {
  nn::Sequential model{nn::LayerNormalization({.input_shape = Shape{4}})};
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({2, 5})), autodiff::ShapeError,
                        testing::message_has({"layer_normalization_1: ", "built for extents [4]", "[5]"}));
}

BOOST_AUTO_TEST_CASE(global_pooling_of_the_wrong_rank_names_the_layer_and_the_shape) {
  nn::Sequential two_d{nn::GlobalAveragePooling2D()};
  BOOST_CHECK_EXCEPTION(two_d.predict(autodiff::randn({2, 5, 3})), autodiff::ShapeError,
                        testing::message_has({"'global_average_pooling2d_1' (GlobalAveragePooling2D)",
                                              "[height, width, channels]", "[5, 3]"}));
  nn::Sequential one_d;
  BOOST_CHECK_EXCEPTION(one_d.add(nn::GlobalMaxPooling1D({.input_shape = Shape{4, 4, 2}})), autodiff::ShapeError,
                        testing::message_has({"GlobalMaxPooling1D", "[steps, channels]", "[4, 4, 2]"}));
}

BOOST_AUTO_TEST_CASE(bidirectional_input_without_a_time_axis_names_the_layer_and_the_shape) {
  nn::Sequential model{nn::Bidirectional(nn::LSTM(3))};
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({2, 5})), autodiff::ShapeError,
                        testing::message_has({"'bidirectional_1' (Bidirectional)", "[time, features]", "[5]"}));
}

BOOST_AUTO_TEST_CASE(bidirectional_built_for_other_features_names_the_wrapped_layer) {
  autodiff::manual_seed(1);
  nn::Sequential model{nn::Bidirectional(nn::GRU(3, {.input_shape = Shape{5, 3}}))};
  BOOST_CHECK_EXCEPTION(model.predict(autodiff::randn({2, 5, 4})), autodiff::ShapeError,
                        testing::message_has({"bidirectional_1: ", "built for 3 features", "[5, 4]"}));
}

BOOST_AUTO_TEST_CASE(bidirectional_refuses_a_layer_that_is_not_recurrent_and_an_unknown_merge_mode) {
  BOOST_CHECK_EXCEPTION(nn::Bidirectional(nn::Dense(3).config(), {}), autodiff::ValueError,
                        testing::message_has({"Bidirectional", "must be recurrent", "Dense"}));
  BOOST_CHECK_EXCEPTION(nn::Bidirectional(nn::LSTM(3), {.merge_mode = "max"}), autodiff::ValueError,
                        testing::message_has({"Bidirectional", "merge_mode", "\"max\""}));
}
