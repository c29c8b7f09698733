// Every layer through functional_call: one table of layers, checked twice. The gradient check runs
// inputs and parameters in f64 through functional_call (and, for the rows marked second_order, checks the
// gradients of those gradients too); the substitution check swaps each parameter
// and buffer for a perturbed copy and requires the output to change and the original to come back.
// A coverage case requires a row for every layer type make_layer knows.
// Before any include: GCC 12 reports a false -Wrestrict in Boost.Test's data-case naming (GCC bug 105651).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <iterator>
#include <ostream>
#include <set>

#include "nn/nn.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;
namespace bdata = boost::unit_test::data;

namespace {

struct LayerRow {
  std::string name;
  std::function<std::shared_ptr<nn::Layer>()> make;
  Shape input;  // with the batch axis
  /// The input holds integer ids below this bound (Embedding): not differentiated, not perturbed.
  int64_t ids = 0;
  /// Training mode (batch statistics, dropout masks); the rows without it run in inference mode.
  bool training = true;
  /// Also check second derivatives (gradgradcheck): the layer is smooth and its ops have second-order VJPs.
  bool second_order = false;
};
std::ostream& operator<<(std::ostream& os, const LayerRow& r) { return os << r.name; }

template <class L>
std::function<std::shared_ptr<nn::Layer>()> make(L layer) {
  return [layer] { return std::make_shared<L>(layer); };
}

const std::vector<LayerRow> layer_rows = {
    {"dense_linear", make(nn::Dense(3)), {4, 5}},
    {"dense_tanh_bias_init", make(nn::Dense(3, {.activation = "tanh", .bias_initializer = "ones"})), {2, 4}},
    {"dense_softmax", make(nn::Dense(4, {.activation = "softmax"})), {3, 2}},
    {"dense_no_bias_rank3", make(nn::Dense(2, {.use_bias = false})), {2, 3, 4}},
    {"conv2d_valid", make(nn::Conv2D(2, {3, 3})), {2, 5, 5, 3}},
    {"conv2d_same_stride2_sigmoid",
     make(nn::Conv2D(2, {3, 3}, {.strides = {2, 2}, .padding = "same", .activation = "sigmoid"})),
     {1, 5, 6, 2}},
    {"conv2d_dilated", make(nn::Conv2D(2, {2, 2}, {.dilation_rate = {2, 2}})), {1, 5, 5, 1}},
    {"max_pooling2d", make(nn::MaxPooling2D({2, 2})), {2, 4, 4, 2}},
    {"average_pooling2d_same", make(nn::AveragePooling2D({2, 2}, {.padding = "same"})), {1, 5, 5, 2}},
    {"flatten", make(nn::Flatten()), {2, 3, 2, 2}},
    {"reshape", make(nn::Reshape({4, -1})), {2, 2, 6}},
    {"dropout_inference", make(nn::Dropout(0.5)), {3, 4}, 0, false},
    {"activation_sigmoid", make(nn::Activation("sigmoid")), {3, 4}},
    {"activation_tanh", make(nn::Activation("tanh")), {3, 4}},
    {"activation_softmax", make(nn::Activation("softmax")), {3, 4}},
    {"activation_log_softmax", make(nn::Activation("log_softmax")), {3, 4}},
    {"activation_elu", make(nn::Activation("elu")), {3, 4}},
    {"activation_softplus", make(nn::Activation("softplus")), {3, 4}},
    {"activation_swish", make(nn::Activation("swish")), {3, 4}},
    {"activation_gelu", make(nn::Activation("gelu")), {3, 4}},
    {"activation_selu", make(nn::Activation("selu")), {3, 4}},
    {"batch_norm_training", make(nn::BatchNormalization()), {5, 3}},
    {"batch_norm_inference_axis1", make(nn::BatchNormalization({.axis = 1})), {2, 3, 2}, 0, false},
    {"batch_norm_no_scale_no_center", make(nn::BatchNormalization({.center = false, .scale = false})), {4, 2}},
    {"embedding", make(nn::Embedding(5, 3)), {2, 4}, 5},
    {"position_embedding_shorter", make(nn::PositionEmbedding(4)), {2, 3, 2}, 0, true, true},
    {"lstm", make(nn::LSTM(3)), {2, 3, 2}},
    {"lstm_sequences", make(nn::LSTM(2, {.return_sequences = true})), {2, 3, 2}},
    {"gru_sequences", make(nn::GRU(2, {.return_sequences = true})), {2, 3, 2}},
    {"simple_rnn", make(nn::SimpleRNN(3)), {2, 3, 2}},
    {"multi_head_attention_self", make(nn::MultiHeadAttention(2, 3)), {2, 3, 4}, 0, true, true},
    {"multi_head_attention_causal_no_bias_value_dim",
     make(nn::MultiHeadAttention(2, 2, {.value_dim = 3, .use_bias = false, .output_shape = 5, .use_causal_mask = true})),
     {2, 4, 3}, 0, true, true},
    {"simple_rnn_relu_sequences", make(nn::SimpleRNN(2, {.activation = "relu", .return_sequences = true})),
     {2, 3, 2}},
    {"layer_norm", make(nn::LayerNormalization()), {3, 4}, 0, true, true},
    {"layer_norm_two_axes_no_center",
     make(nn::LayerNormalization({.axis = {1, 2}, .epsilon = 1e-5, .center = false})), {2, 3, 2}, 0, true, true},
    {"layer_norm_rank3_gamma_init", make(nn::LayerNormalization({.gamma_initializer = "glorot_uniform"})), {2, 2, 3},
     0, true, true},
    {"conv1d_valid", make(nn::Conv1D(2, 3)), {2, 5, 3}, 0, true, true},
    {"conv1d_same_stride2_tanh", make(nn::Conv1D(2, 3, {.strides = 2, .padding = "same", .activation = "tanh"})),
     {1, 6, 2}, 0, true, true},
    {"conv1d_causal_dilated_no_bias",
     make(nn::Conv1D(2, 2, {.padding = "causal", .dilation_rate = 2, .use_bias = false})), {2, 5, 1}, 0, true, true},
    {"global_average_pooling1d", make(nn::GlobalAveragePooling1D()), {2, 4, 3}, 0, true, true},
    {"global_average_pooling2d_keepdims", make(nn::GlobalAveragePooling2D({.keepdims = true})), {2, 3, 3, 2}, 0,
     true, true},
    {"global_max_pooling1d", make(nn::GlobalMaxPooling1D()), {2, 4, 3}},
    {"global_max_pooling2d_keepdims", make(nn::GlobalMaxPooling2D({.keepdims = true})), {2, 3, 2, 2}},
    {"bidirectional_lstm", make(nn::Bidirectional(nn::LSTM(2))), {2, 3, 2}},
    {"bidirectional_lstm_sequences_ave",
     make(nn::Bidirectional(nn::LSTM(2, {.return_sequences = true}), {.merge_mode = "ave"})), {2, 3, 2}},
    {"bidirectional_gru_sequences_sum",
     make(nn::Bidirectional(nn::GRU(2, {.return_sequences = true}), {.merge_mode = "sum"})), {2, 3, 2}, 0, true,
     true},
    {"bidirectional_simple_rnn_mul", make(nn::Bidirectional(nn::SimpleRNN(3), {.merge_mode = "mul"})), {2, 3, 2}, 0,
     true, true},
};

// The row's layer built in f64 (seeded), in the row's mode.
std::shared_ptr<nn::Layer> built(const LayerRow& row) {
  std::shared_ptr<nn::Layer> layer = row.make();
  autodiff::Generator gen(11);
  layer->set_dtype(DType::f64);
  Shape per_sample = row.input;
  per_sample.erase(0);
  layer->ensure_built(per_sample, gen);
  layer->train(row.training);
  return layer;
}

// Normal draws, or ids 0, 1, ..., ids − 1 repeated.
Tensor input(const LayerRow& row) {
  autodiff::Generator gen(5);
  if (!row.ids) return autodiff::randn(row.input, gen, DType::f64);
  std::vector<double> ids(static_cast<size_t>(row.input.numel()));
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = double(int64_t(i) % row.ids);
  return Tensor::from(ids, row.input, DType::f64);
}

std::vector<double> values(const Var& v) { return v.value().to_vector(); }

std::vector<LayerRow> second_order_rows() {
  std::vector<LayerRow> rows;
  std::copy_if(layer_rows.begin(), layer_rows.end(), std::back_inserter(rows), [](const LayerRow& r) {
    return r.second_order;
  });
  return rows;
}

}  // namespace

BOOST_DATA_TEST_CASE(layer_gradients_match_finite_differences, bdata::make(layer_rows), row) {
  std::shared_ptr<nn::Layer> layer = built(row);
  const nn::NamedParams params = layer->named_parameters();
  const Tensor x = input(row);
  std::vector<Tensor> inputs;
  if (!row.ids) inputs.push_back(x);
  const size_t first_param = inputs.size();
  for (const auto& [name, p] : params) inputs.push_back(p.value());
  const autodiff::Function f = [&](const std::vector<Var>& in) {
    nn::NamedParams subs;
    for (size_t i = 0; i < params.size(); ++i) subs.emplace_back(params[i].first, in[first_param + i]);
    return layer->functional_call(subs, row.ids ? Var(x) : in[0]);
  };
  BOOST_TEST(autodiff::gradcheck(f, inputs, {.name = row.name}));
}

// The same function, differentiated twice: backward with create_graph through every op the layer uses.
BOOST_DATA_TEST_CASE(layer_second_derivatives_match_finite_differences, bdata::make(second_order_rows()), row) {
  std::shared_ptr<nn::Layer> layer = built(row);
  const nn::NamedParams params = layer->named_parameters();
  std::vector<Tensor> inputs{input(row)};
  for (const auto& [name, p] : params) inputs.push_back(p.value());
  const autodiff::Function f = [&](const std::vector<Var>& in) {
    nn::NamedParams subs;
    for (size_t i = 0; i < params.size(); ++i) subs.emplace_back(params[i].first, in[1 + i]);
    return layer->functional_call(subs, in[0]);
  };
  BOOST_TEST(autodiff::gradgradcheck(f, inputs, {.name = row.name}));
}

BOOST_DATA_TEST_CASE(functional_call_substitutes_every_parameter_and_restores_it, bdata::make(layer_rows), row) {
  std::shared_ptr<nn::Layer> layer = built(row);
  layer->eval();  // so that buffers (BatchNormalization's moving statistics) shape the output too
  const Var x(input(row));
  const std::vector<double> original = values(layer->forward(x));
  for (const auto& [name, p] : layer->named_state()) {
    const std::vector<double> before = values(p);
    const Var perturbed((p + 0.5).value());
    BOOST_TEST(values(layer->functional_call({{name, perturbed}}, x)) != original, row.name << ": " << name);
    const nn::NamedParams after = layer->named_state();
    const auto it = std::find_if(after.begin(), after.end(), [&](const auto& e) { return e.first == name; });
    BOOST_REQUIRE(it != after.end());
    BOOST_TEST(values(it->second) == before, boost::test_tools::per_element());
    BOOST_TEST(values(layer->forward(x)) == original, boost::test_tools::per_element());
  }
}

// Layers of several inputs (the merges): checked to first and second order through call_many, inputs and
// parameters substituted as above.
struct MultiInputRow {
  std::string name;
  std::function<std::shared_ptr<nn::Layer>()> make;
  std::vector<Shape> inputs;  // with the batch axis
};
std::ostream& operator<<(std::ostream& os, const MultiInputRow& r) { return os << r.name; }

const std::vector<MultiInputRow> multi_input_rows = {
    {"add_broadcast", make(nn::Add()), {{2, 3}, {2, 1}, {2, 3}}},
    {"subtract", make(nn::Subtract()), {{2, 3}, {2, 3}}},
    {"multiply_broadcast", make(nn::Multiply()), {{2, 2, 3}, {2, 1, 3}}},
    {"average", make(nn::Average()), {{2, 3}, {2, 3}, {2, 3}}},
    {"concatenate_features", make(nn::Concatenate()), {{2, 3}, {2, 2}}},
    {"concatenate_axis0", make(nn::Concatenate(0)), {{2, 1, 2}, {2, 3, 2}}},
};

// f(inputs..., parameters...) = Σ y², a function of every input and parameter with a non-trivial Hessian.
std::pair<autodiff::Function, std::vector<Tensor>> multi_input_case(const MultiInputRow& row) {
  std::shared_ptr<nn::Layer> layer = row.make();
  layer->set_dtype(DType::f64);
  std::vector<Shape> per_sample;
  std::vector<Tensor> inputs;
  autodiff::Generator gen(7);
  for (Shape s : row.inputs) {
    inputs.push_back(autodiff::randn(s, gen, DType::f64));
    s.erase(0);
    per_sample.push_back(s);
  }
  layer->ensure_built_many(per_sample, gen);
  const size_t n = inputs.size();
  const nn::NamedParams params = layer->named_parameters();
  for (const auto& [name, p] : params) inputs.push_back(p.value());
  autodiff::Function f = [layer, params, n](const std::vector<Var>& in) {
    nn::NamedParams subs;
    for (size_t i = 0; i < params.size(); ++i) subs.emplace_back(params[i].first, in[n + i]);
    const Var y = layer->with_parameters(subs, [&] {
      return layer->call_many(std::vector<Var>(in.begin(), in.begin() + long(n)))[0];
    });
    return autodiff::sum(y * y);
  };
  return {f, inputs};
}

BOOST_DATA_TEST_CASE(multi_input_layers_match_finite_differences, bdata::make(multi_input_rows), row) {
  const auto [f, inputs] = multi_input_case(row);
  BOOST_TEST(autodiff::gradcheck(f, inputs, {.name = row.name}));
  BOOST_TEST(autodiff::gradgradcheck(f, inputs, {.name = row.name}));
}

BOOST_AUTO_TEST_CASE(every_layer_type_has_a_row) {
  std::set<std::string> covered;
  for (const LayerRow& row : layer_rows) covered.insert(row.make()->type());
  for (const MultiInputRow& row : multi_input_rows) covered.insert(row.make()->type());
  for (const std::string& type : nn::known_layers()) BOOST_TEST(covered.contains(type), type << " has no row");
}
