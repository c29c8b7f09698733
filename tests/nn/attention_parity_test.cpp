// PyTorch parity of MultiHeadAttention: torch.nn.MultiheadAttention's outputs, per-head attention weights and
// gradients (scripts/torch_attention_golden.py, torch 1.13, float64) reproduced by Wengert's layer in float64,
// with torch's weights mapped to Keras' layout: a padding mask case and a causal case.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>
#include <ostream>

#include "nn/io/safetensors.hpp"
#include "nn/nn.hpp"

using autodiff::DType;
using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;
namespace bdata = boost::unit_test::data;

namespace {

struct Case {
  std::string prefix;
  int64_t heads;
  bool causal;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.prefix; }

const std::vector<Case> cases{{"padding", 2, false}, {"causal", 3, true}};

const std::map<std::string, Tensor>& golden() {
  static const std::map<std::string, Tensor> tensors = [] {
    std::map<std::string, Tensor> t;
    for (auto& [name, x] : nn::io::load_safetensors("tests/golden/attention.safetensors").tensors) t[name] = x;
    return t;
  }();
  return tensors;
}

const Tensor& at(const Case& c, const std::string& name) {
  const auto it = golden().find(c.prefix + "/" + name);
  BOOST_TEST_REQUIRE((it != golden().end()), "golden file lacks " << c.prefix << "/" << name);
  return it->second;
}

// Every element within 1e-10 relative (1e-13 absolute, for values near 0); names the worst one.
void check_close(const std::string& what, const Tensor& got, const Tensor& want) {
  BOOST_TEST_REQUIRE(got.shape() == want.shape(), what << ": " << got.shape() << " vs torch " << want.shape());
  const std::vector<double> g = got.to_vector(), w = want.to_vector();
  double worst = 0;
  size_t at = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    const double excess = std::abs(g[i] - w[i]) / (1e-13 + 1e-10 * std::abs(w[i]));
    if (excess > worst) worst = excess, at = i;
  }
  BOOST_TEST(worst <= 1.0, what << ": [" << at << "] " << g[at] << " vs torch " << w[at]);
}

}  // namespace

BOOST_DATA_TEST_CASE(multi_head_attention_matches_torch, bdata::make(cases), c) {
  const int64_t e = 6;
  nn::MultiHeadAttention layer(c.heads, e / c.heads, {.use_causal_mask = c.causal, .return_attention_scores = true});
  layer.set_dtype(DType::f64);
  const Var query(at(c, "query"), true), value(at(c, "value"), true), key(at(c, "key"), true);
  autodiff::Generator gen(0);
  layer.ensure_built_many({Shape{query.size(1), e}, Shape{value.size(1), e}, Shape{key.size(1), e}}, gen);
  for (const auto& [name, p] : layer.named_parameters()) p.set_value(at(c, name));
  std::vector<Var> inputs{query, value, key};
  if (!c.causal) inputs.emplace_back(at(c, "mask"));
  const std::vector<Var> out = layer.call_many(inputs);
  autodiff::backward(autodiff::sum(out[0] * Var(at(c, "cotangent"))));
  check_close("output", out[0].value(), at(c, "output"));
  check_close("scores", out[1].value(), at(c, "scores"));
  check_close("grad/query", query.grad(), at(c, "grad/query"));
  check_close("grad/value", value.grad(), at(c, "grad/value"));
  check_close("grad/key", key.grad(), at(c, "grad/key"));
  for (const auto& [name, p] : layer.named_parameters()) check_close("grad/" + name, p.grad(), at(c, "grad/" + name));
}
