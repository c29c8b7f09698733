// PyTorch parity of single layers: tests/golden/layers.safetensors (scripts/torch_layer_golden.py, torch 1.13)
// holds, for each case, a float64 input, parameters in Keras' layout, torch's output and the gradients of
// sum(output · cotangent) with respect to the input and every parameter. The same layer built here in float64
// with those parameters must agree to rounding: both sides compute in float64 from the same numbers.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "nn/io/safetensors.hpp"
#include "nn/nn.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;

namespace {

struct Case {
  std::string name;
  std::function<std::shared_ptr<nn::Layer>()> make;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

template <class L>
std::function<std::shared_ptr<nn::Layer>()> make(L layer) {
  return [layer] { return std::make_shared<L>(layer); };
}

// The script's CASES, layer for layer.
const std::vector<Case> cases = {
    {"layer_norm", make(nn::LayerNormalization())},
    {"layer_norm_two_axes", make(nn::LayerNormalization({.axis = {-2, -1}, .epsilon = 1e-5}))},
    {"conv1d_valid", make(nn::Conv1D(4, 3))},
    {"conv1d_same_stride2_tanh", make(nn::Conv1D(2, 4, {.strides = 2, .padding = "same", .activation = "tanh"}))},
    {"conv1d_causal_dilated", make(nn::Conv1D(2, 3, {.padding = "causal", .dilation_rate = 2}))},
    {"global_average_pooling1d", make(nn::GlobalAveragePooling1D())},
    {"global_max_pooling1d_keepdims", make(nn::GlobalMaxPooling1D({.keepdims = true}))},
    {"global_average_pooling2d_keepdims", make(nn::GlobalAveragePooling2D({.keepdims = true}))},
    {"global_max_pooling2d", make(nn::GlobalMaxPooling2D())},
    {"bidirectional_lstm", make(nn::Bidirectional(nn::LSTM(3)))},
    {"bidirectional_lstm_sequences_ave",
     make(nn::Bidirectional(nn::LSTM(3, {.return_sequences = true}), {.merge_mode = "ave"}))},
    {"bidirectional_gru_sequences_sum",
     make(nn::Bidirectional(nn::GRU(2, {.return_sequences = true}), {.merge_mode = "sum"}))},
    {"bidirectional_gru_mul", make(nn::Bidirectional(nn::GRU(2), {.merge_mode = "mul"}))},
    {"bidirectional_simple_rnn_sequences", make(nn::Bidirectional(nn::SimpleRNN(3, {.return_sequences = true})))},
};

const std::map<std::string, Tensor>& golden() {
  static const std::map<std::string, Tensor> tensors = [] {
    std::map<std::string, Tensor> out;
    for (auto& [name, t] : nn::io::load_safetensors("tests/golden/layers.safetensors").tensors) out[name] = t;
    return out;
  }();
  return tensors;
}

const Tensor& at(const std::string& name) {
  const auto it = golden().find(name);
  BOOST_TEST_REQUIRE((it != golden().end()), "golden file lacks " << name);
  return it->second;
}

// Both sides compute in float64 from the same numbers; the bound leaves room for summation order.
constexpr double kRel = 1e-10, kAbs = 1e-13;

void check_close(const std::string& what, const Tensor& got, const Tensor& want) {
  BOOST_TEST_REQUIRE(got.shape() == want.shape(), what << ": shape " << got.shape() << ", torch " << want.shape());
  const std::vector<double> g = got.to_vector(), w = want.to_vector();
  size_t failures = 0, worst = 0;
  double worst_excess = -INFINITY, max_rel = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double diff = std::abs(g[i] - w[i]);
    const double excess = diff - (kAbs + kRel * std::abs(w[i]));
    if (w[i] != 0) max_rel = std::max(max_rel, diff / std::abs(w[i]));
    if (excess > 0) ++failures;
    if (excess > worst_excess) worst_excess = excess, worst = i;
  }
  BOOST_TEST_MESSAGE(what << ": max relative difference " << max_rel);
  BOOST_TEST(failures == 0u, what << ": " << failures << " of " << g.size() << " values differ; worst [" << worst
                                  << "]: " << g[worst] << " vs torch " << w[worst]);
}

}  // namespace

BOOST_DATA_TEST_CASE(layer_outputs_and_gradients_match_torch, boost::unit_test::data::make(cases), c) {
  const Tensor& x_value = at(c.name + "/input");
  std::shared_ptr<nn::Layer> layer = c.make();
  layer->set_dtype(DType::f64);
  Shape per_sample = x_value.shape();
  per_sample.erase(0);
  autodiff::Generator gen(0);
  layer->ensure_built(per_sample, gen);
  const nn::NamedParams params = layer->named_parameters();
  for (const auto& [name, p] : params) p.set_value(at(c.name + "/param/" + name).clone());

  autodiff::TapeScope scope;
  const Var x(x_value.clone(), /*requires_grad=*/true);
  const Var y = layer->call(x);
  check_close("output", y.value(), at(c.name + "/output"));
  autodiff::backward(autodiff::sum(y * Var(at(c.name + "/cotangent"))));
  check_close("grad/input", x.grad(), at(c.name + "/grad/input"));
  for (const auto& [name, p] : params) {
    BOOST_TEST_REQUIRE(p.grad().defined(), name << " has no gradient");
    check_close("grad/" + name, p.grad(), at(c.name + "/grad/" + name));
  }
}

// Every parameter the golden file holds for a case is one the layer has: no torch parameter goes unchecked.
BOOST_DATA_TEST_CASE(every_golden_parameter_is_a_layer_parameter, boost::unit_test::data::make(cases), c) {
  std::shared_ptr<nn::Layer> layer = c.make();
  layer->set_dtype(DType::f64);
  Shape per_sample = at(c.name + "/input").shape();
  per_sample.erase(0);
  autodiff::Generator gen(0);
  layer->ensure_built(per_sample, gen);
  std::set<std::string> names;
  for (const auto& [name, p] : layer->named_parameters()) names.insert(name);
  const std::string prefix = c.name + "/param/";
  size_t in_file = 0;
  for (const auto& [key, t] : golden())
    if (key.starts_with(prefix)) {
      ++in_file;
      BOOST_TEST(names.contains(key.substr(prefix.size())), key << " is not a parameter of the layer");
    }
  BOOST_TEST(in_file == names.size());
}
