// MultiHeadAttention: gradients of the multi-input call (query, value, key, parameters) under padding and causal
// masks, first and second order; what the masks guarantee; dropout under remat; scores; shape errors; saving.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "nn/nn.hpp"
#include "tests/message.hpp"
#include "tests/scratch.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

// Two heads, key_dim 3, value_dim 2, query / value / key of different widths; built in f64.
nn::MultiHeadAttention built_layer(nn::MultiHeadAttentionOptions options = {}) {
  options.value_dim = options.value_dim.value_or(2);
  nn::MultiHeadAttention layer(2, 3, options);
  layer.set_name("mha");
  layer.set_dtype(DType::f64);
  autodiff::Generator gen(3);
  layer.ensure_built_many({Shape{3, 4}, Shape{4, 5}, Shape{4, 3}}, gen);
  return layer;
}

Tensor randn(const Shape& shape, uint64_t seed) {
  autodiff::Generator gen(seed);
  return autodiff::randn(shape, gen, DType::f64);
}

// A padding mask [2, 1, 4]: sample 1 cannot see its last key.
Tensor padding_mask() { return Tensor::from({1, 1, 1, 1, 1, 1, 1, 0}, Shape{2, 1, 4}, DType::f64); }

// f(query, value, key, parameters...) = the layer's output with the parameters substituted.
autodiff::Function with_inputs(nn::MultiHeadAttention& layer, const Tensor& mask) {
  const nn::NamedParams params = layer.named_parameters();
  return [&layer, params, mask](const std::vector<Var>& in) {
    nn::NamedParams subs;
    for (size_t i = 0; i < params.size(); ++i) subs.emplace_back(params[i].first, in[3 + i]);
    return layer.with_parameters(subs, [&] { return layer.call_many({in[0], in[1], in[2], Var(mask)})[0]; });
  };
}

std::vector<Tensor> inputs_and_parameters(const nn::MultiHeadAttention& layer) {
  std::vector<Tensor> in{randn({2, 3, 4}, 1), randn({2, 4, 5}, 2), randn({2, 4, 3}, 3)};
  for (const auto& [name, p] : layer.named_parameters()) in.push_back(p.value());
  return in;
}

std::vector<double> values(const Var& v) { return v.value().to_vector(); }

}  // namespace

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_with_padding_and_causal_masks) {
  nn::MultiHeadAttention layer = built_layer({.use_causal_mask = true});
  BOOST_TEST(autodiff::gradcheck(with_inputs(layer, padding_mask()), inputs_and_parameters(layer),
                                 {.name = "multi_head_attention"}));
}

BOOST_AUTO_TEST_CASE(second_derivatives_match_finite_differences_with_a_padding_mask) {
  nn::MultiHeadAttention layer = built_layer();
  BOOST_TEST(autodiff::gradgradcheck(with_inputs(layer, padding_mask()), inputs_and_parameters(layer),
                                     {.name = "multi_head_attention"}));
}

BOOST_AUTO_TEST_CASE(a_causal_output_ignores_later_tokens) {
  nn::MultiHeadAttention layer(2, 4, {.use_causal_mask = true});
  const Tensor x = randn({1, 5, 6}, 4);
  std::vector<double> moved = x.to_vector();
  moved[3 * 6 + 2] += 1.0;  // token 3, feature 2
  const Tensor later = Tensor::from(moved, x.shape(), DType::f64);
  const std::vector<double> before = values(layer(Var(x))), after = values(layer(Var(later)));
  for (size_t i = 0; i < 3 * 6; ++i) BOOST_TEST(after[i] == before[i], "position " << i / 6);
  BOOST_TEST(after[3 * 6] != before[3 * 6]);
}

BOOST_AUTO_TEST_CASE(a_fully_masked_query_attends_uniformly) {
  nn::MultiHeadAttention layer = built_layer();
  // Query position 1 may see no key at all.
  std::vector<double> m(2 * 3 * 4, 1.0);
  for (size_t k = 0; k < 4; ++k) m[4 + k] = 0.0;
  const Tensor mask = Tensor::from(m, Shape{2, 3, 4}, DType::f64);
  const auto [out, scores] = layer.attend_with_scores(Var(randn({2, 3, 4}, 1)), Var(randn({2, 4, 5}, 2)),
                                                      {.key = Var(randn({2, 4, 3}, 3)), .attention_mask = Var(mask)});
  for (double v : values(out)) BOOST_TEST(std::isfinite(v));
  const std::vector<double> s = values(scores);  // [2, heads, 3, 4]
  for (size_t head = 0; head < 2; ++head)
    for (size_t k = 0; k < 4; ++k) BOOST_TEST(s[(head * 3 + 1) * 4 + k] == 0.25, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(scores_sum_to_one_over_the_keys) {
  nn::MultiHeadAttention layer(3, 2, {.return_attention_scores = true});
  const std::vector<Var> out = layer.call_many({Var(randn({2, 4, 5}, 5)), Var(randn({2, 6, 3}, 6))});
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[0].shape() == (Shape{2, 4, 5}));
  BOOST_TEST(out[1].shape() == (Shape{2, 3, 4, 6}));
  const std::vector<double> sums = values(autodiff::sum(out[1], {-1}));
  for (double s : sums) BOOST_TEST(s == 1.0, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(layer.output_shapes({Shape{4, 5}, Shape{6, 3}}) == (std::vector<Shape>{{4, 5}, {3, 4, 6}}));
}

BOOST_AUTO_TEST_CASE(dropout_on_the_weights_replays_under_remat) {
  auto gradient = [](bool remat, bool training = true) {
    nn::MultiHeadAttention layer(2, 3, {.dropout = 0.5, .seed = 7});
    layer.set_remat(remat);
    layer.train(training);
    autodiff::manual_seed(1);
    const Var x(randn({2, 4, 6}, 8), true);
    const Var loss = autodiff::sum(layer(x) * layer(x));  // two calls: two draws, each replayed in its place
    autodiff::backward(loss);
    return std::pair{values(loss), x.grad().to_vector()};
  };
  const auto plain = gradient(false), remat = gradient(true);
  BOOST_TEST(plain.first != gradient(false, false).first);  // the weights were dropped
  BOOST_TEST(remat.first == plain.first, boost::test_tools::per_element());
  // The checkpoint sums x's gradient in another order: equal to rounding; another mask would differ by O(1).
  for (size_t i = 0; i < plain.second.size(); ++i)
    BOOST_TEST(remat.second[i] == plain.second[i], boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(dropout_is_off_in_inference) {
  nn::MultiHeadAttention layer(2, 3, {.dropout = 0.5});
  const Var x(randn({2, 4, 6}, 8));
  layer.eval();
  BOOST_TEST(values(layer(x)) == values(layer(x)), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_layer_and_the_shapes) {
  nn::MultiHeadAttention layer = built_layer();
  const Var q(randn({2, 3, 4}, 1)), v(randn({2, 4, 5}, 2));
  BOOST_CHECK_EXCEPTION(layer.call_many({q, Var(randn({3, 4, 5}, 2))}), autodiff::ShapeError,
                        testing::message_has({"mha", "batch size", "[2, 3, 4]", "[3, 4, 5]"}));
  BOOST_CHECK_EXCEPTION(layer.call_many({q, Var(randn({2, 4, 6}, 2))}), autodiff::ShapeError,
                        testing::message_has({"mha", "value", "5 features", "[4, 6]"}));
  BOOST_CHECK_EXCEPTION(layer.call_many({q, v, Var(randn({2, 5, 3}, 2))}), autodiff::ShapeError,
                        testing::message_has({"mha", "same length", "[5, 3]", "[4, 5]"}));
  BOOST_CHECK_EXCEPTION(layer.call_many({Var(randn({2, 4}, 1)), v}), autodiff::ShapeError,
                        testing::message_has({"mha", "[batch, T, d]", "[2, 4]"}));
  BOOST_CHECK_EXCEPTION(layer.call_many({q, v, v, Var(randn({2, 2, 4}, 2))}), autodiff::ShapeError,
                        testing::message_has({"mha", "attention_mask", "[3, 4]", "[2, 4]"}));
  BOOST_CHECK_EXCEPTION(layer.call_many({q, v, v, v, v}), autodiff::ValueError,
                        testing::message_has({"mha", "got 5 inputs"}));
}

BOOST_AUTO_TEST_CASE(parameters_follow_keras_names_and_layout) {
  nn::MultiHeadAttention layer = built_layer({.output_shape = 7});
  std::vector<std::pair<std::string, Shape>> got;
  for (const auto& [name, p] : layer.named_parameters()) got.emplace_back(name, p.shape());
  const std::vector<std::pair<std::string, Shape>> want{
      {"query.kernel", {4, 2, 3}}, {"query.bias", {2, 3}},          {"key.kernel", {3, 2, 3}},
      {"key.bias", {2, 3}},        {"value.kernel", {5, 2, 2}},     {"value.bias", {2, 2}},
      {"attention_output.kernel", {2, 2, 7}}, {"attention_output.bias", {7}}};
  BOOST_TEST(got == want);
}

BOOST_AUTO_TEST_CASE(a_sequential_with_self_attention_round_trips_through_load_model) {
  const testing::Scratch scratch;
  autodiff::manual_seed(2);
  nn::Sequential model;
  model.add(nn::MultiHeadAttention(2, 4, {.value_dim = 3, .dropout = 0.1, .use_causal_mask = true,
                                          .input_shape = Shape{5, 6}}));
  model.add(nn::Flatten());
  model.add(nn::Dense(2));
  model.compile("mse", nn::Adam(1e-3));
  const Tensor x = autodiff::randn({3, 5, 6});
  model.save(scratch.dir / "mha.safetensors");
  const auto loaded = nn::load_model(scratch.dir / "mha.safetensors");
  const auto sequential = std::dynamic_pointer_cast<nn::Sequential>(loaded);
  BOOST_REQUIRE(sequential);
  BOOST_TEST(sequential->layers()[0]->config().values() == model.layers()[0]->config().values());
  BOOST_TEST(loaded->predict(x).to_vector() == model.predict(x).to_vector(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(attend_takes_the_key_and_masks_of_this_call) {
  nn::MultiHeadAttention layer = built_layer();
  const Var q(randn({2, 3, 4}, 1)), v(randn({2, 4, 5}, 2)), k(randn({2, 4, 3}, 3));
  const Tensor causal = Tensor::from({1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0}, Shape{1, 3, 4}, DType::f64);
  const Var both = Var(causal) * Var(padding_mask());  // [2, 3, 4]
  const Var by_flag = layer.attend(q, v, {.key = k, .attention_mask = Var(padding_mask()), .use_causal_mask = true});
  const Var by_mask = layer.call_many({q, v, k, both})[0];
  BOOST_TEST(values(by_flag) == values(by_mask), boost::test_tools::per_element());
  BOOST_TEST(!layer.last_output_shapes().empty());
}

BOOST_AUTO_TEST_CASE(a_symbolic_call_reports_both_outputs) {
  auto layer = std::make_shared<nn::MultiHeadAttention>(4, 8, nn::MultiHeadAttentionOptions{
                                                                  .return_attention_scores = true});
  const std::vector<nn::SymbolicTensor> out = layer->call_symbolic({nn::Input({10, 16}), nn::Input({12, 16})});
  BOOST_REQUIRE_EQUAL(out.size(), 2u);
  BOOST_TEST(out[0].shape() == (Shape{10, 16}));
  BOOST_TEST(out[1].shape() == (Shape{4, 10, 12}));
}
