// The randomized differential test against PyTorch: random programs over every public op (random shapes,
// broadcasting, axes; kinks, ties and zeros on purpose), whose every node's value, the gradient of
// L = Σ_nodes Σ(node · w) with respect to each input and the Hessian-vector product ∇(Σ ∇L · v) were
// computed by PyTorch in float64 (scripts/torch_diff.py writes tests/golden/torch_diff.json). Wengert runs
// the same programs and must agree to rounding. WENGERT_TORCH_DIFF=path runs another golden file (the long
// mode: many more seeds, docs/autodiff.md).
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "autodiff/autodiff.hpp"
#include "tests/autodiff/catalogue.hpp"

using namespace autodiff;
using nlohmann::json;

namespace {

using Args = std::vector<Var>;
using Eval = std::function<Var(const Args&, const json&)>;

// A program op: the catalogue name it exercises and how to run it.
struct Entry {
  std::string catalogue;
  Eval f;
};

Shape shape_of(const json& j) { return Shape(j.get<std::vector<int64_t>>()); }
Axes axes_of(const json& a) { return a.at("axes").get<Axes>(); }
Size2 size2(const json& j) { return {j[0].get<int64_t>(), j[1].get<int64_t>()}; }
Conv2dOptions conv_options(const json& a) {
  return {.strides = size2(a["strides"]), .dilation = size2(a["dilation"]), .padding = a["padding"]};
}
Pool2dOptions pool_options(const json& a) { return {.strides = size2(a["strides"]), .padding = a["padding"]}; }

template <class F>
Entry unary(std::string name, F f) {
  return {std::move(name), [f](const Args& x, const json&) { return f(x[0]); }};
}
template <class F>
Entry binary(std::string name, F f) {
  return {std::move(name), [f](const Args& x, const json&) { return f(x[0], x[1]); }};
}
template <class F>
Entry scalar(std::string name, F f) {
  return {std::move(name), [f](const Args& x, const json& a) { return f(x[0], a.at("c").get<double>()); }};
}
template <class F>
Entry reduction(std::string name, F f) {
  return {name, [f](const Args& x, const json& a) { return f(x[0], axes_of(a), a.at("keepdims").get<bool>()); }};
}

std::map<std::string, Entry> elementwise_ops() {
  return {
      {"neg", unary("operator-", [](const Var& x) { return -x; })},
      {"exp", unary("exp", [](const Var& x) { return exp(x); })},
      {"log", unary("log", [](const Var& x) { return log(x); })},
      {"log1p", unary("log1p", [](const Var& x) { return log1p(x); })},
      {"sqrt", unary("sqrt", [](const Var& x) { return sqrt(x); })},
      {"abs", unary("abs", [](const Var& x) { return abs(x); })},
      {"sin", unary("sin", [](const Var& x) { return sin(x); })},
      {"cos", unary("cos", [](const Var& x) { return cos(x); })},
      {"tanh", unary("tanh", [](const Var& x) { return tanh(x); })},
      {"sigmoid", unary("sigmoid", [](const Var& x) { return sigmoid(x); })},
      {"relu", unary("relu", [](const Var& x) { return relu(x); })},
      {"softplus", unary("softplus", [](const Var& x) { return softplus(x); })},
      {"sign", unary("sign", [](const Var& x) { return sign(x); })},
      {"leaky_relu", {"leaky_relu", [](const Args& x, const json& a) { return leaky_relu(x[0], a["alpha"]); }}},
      {"elu", {"elu", [](const Args& x, const json& a) { return elu(x[0], a["alpha"]); }}},
      {"clamp", {"clamp", [](const Args& x, const json& a) { return clamp(x[0], a["lo"], a["hi"]); }}},
      {"pow_scalar", {"pow", [](const Args& x, const json& a) { return pow(x[0], a["p"].get<double>()); }}},
      {"add_scalar", scalar("operator+", [](const Var& x, double c) { return x + c; })},
      {"radd_scalar", scalar("operator+", [](const Var& x, double c) { return c + x; })},
      {"sub_scalar", scalar("operator-", [](const Var& x, double c) { return x - c; })},
      {"rsub_scalar", scalar("operator-", [](const Var& x, double c) { return c - x; })},
      {"mul_scalar", scalar("operator*", [](const Var& x, double c) { return x * c; })},
      {"rmul_scalar", scalar("operator*", [](const Var& x, double c) { return c * x; })},
      {"div_scalar", scalar("operator/", [](const Var& x, double c) { return x / c; })},
      {"rdiv_scalar", scalar("operator/", [](const Var& x, double c) { return c / x; })},
      {"add", binary("operator+", [](const Var& a, const Var& b) { return a + b; })},
      {"sub", binary("operator-", [](const Var& a, const Var& b) { return a - b; })},
      {"mul", binary("operator*", [](const Var& a, const Var& b) { return a * b; })},
      {"div", binary("operator/", [](const Var& a, const Var& b) { return a / b; })},
      {"pow", binary("pow", [](const Var& a, const Var& b) { return pow(a, b); })},
      {"minimum", binary("minimum", [](const Var& a, const Var& b) { return minimum(a, b); })},
      {"maximum", binary("maximum", [](const Var& a, const Var& b) { return maximum(a, b); })},
      {"eq", binary("eq", [](const Var& a, const Var& b) { return eq(a, b); })},
      {"ne", binary("ne", [](const Var& a, const Var& b) { return ne(a, b); })},
      {"lt", binary("lt", [](const Var& a, const Var& b) { return lt(a, b); })},
      {"le", binary("le", [](const Var& a, const Var& b) { return le(a, b); })},
      {"gt", binary("gt", [](const Var& a, const Var& b) { return gt(a, b); })},
      {"ge", binary("ge", [](const Var& a, const Var& b) { return ge(a, b); })},
      {"where", {"where", [](const Args& x, const json&) { return where(x[0], x[1], x[2]); }}},
  };
}

std::map<std::string, Entry> structural_ops() {
  using P = std::vector<std::pair<int64_t, int64_t>>;
  return {
      {"sum", reduction("sum", [](const Var& x, const Axes& a, bool k) { return sum(x, a, k); })},
      {"mean", reduction("mean", [](const Var& x, const Axes& a, bool k) { return mean(x, a, k); })},
      {"max", reduction("max", [](const Var& x, const Axes& a, bool k) { return max(x, a, k); })},
      {"min", reduction("min", [](const Var& x, const Axes& a, bool k) { return min(x, a, k); })},
      {"prod", reduction("prod", [](const Var& x, const Axes& a, bool k) { return prod(x, a, k); })},
      {"logsumexp", reduction("logsumexp", [](const Var& x, const Axes& a, bool k) { return logsumexp(x, a, k); })},
      {"var", {"var", [](const Args& x, const json& a) { return var(x[0], axes_of(a), a["keepdims"], a["ddof"]); }}},
      {"reshape", {"reshape", [](const Args& x, const json& a) { return reshape(x[0], shape_of(a["shape"])); }}},
      {"broadcast_to",
       {"broadcast_to", [](const Args& x, const json& a) { return broadcast_to(x[0], shape_of(a["shape"])); }}},
      {"permute", {"permute", [](const Args& x, const json& a) { return permute(x[0], a["axes"]); }}},
      {"transpose", {"transpose", [](const Args& x, const json& a) { return transpose(x[0], a["axis0"], a["axis1"]); }}},
      {"flatten", {"flatten", [](const Args& x, const json& a) { return flatten(x[0], a["start_axis"]); }}},
      {"squeeze", {"squeeze", [](const Args& x, const json& a) { return squeeze(x[0], a["axis"]); }}},
      {"unsqueeze", {"unsqueeze", [](const Args& x, const json& a) { return unsqueeze(x[0], a["axis"]); }}},
      {"slice",
       {"slice", [](const Args& x, const json& a) { return slice(x[0], a["axis"], a["start"], a["stop"], a["step"]); }}},
      {"index_select",
       {"index_select", [](const Args& x, const json& a) { return index_select(x[0], a["axis"], a["indices"]); }}},
      {"gather", {"gather", [](const Args& x, const json& a) {
                   const auto index = a["index"].get<std::vector<double>>();
                   return gather(x[0], a["axis"], Tensor::from(index, shape_of(a["index_shape"]), DType::f64));
                 }}},
      {"split", {"split", [](const Args& x, const json& a) {
                  return split(x[0], a["sizes"], a["axis"])[a["piece"].get<size_t>()];
                }}},
      {"pad", {"pad", [](const Args& x, const json& a) { return pad(x[0], a["pads"].get<P>(), a["value"]); }}},
      {"concat", {"concat", [](const Args& x, const json& a) { return concat(x, a["axis"]); }}},
      {"stack", {"stack", [](const Args& x, const json& a) { return stack(x, a["axis"]); }}},
  };
}

std::map<std::string, Entry> network_ops() {
  return {
      {"matmul", binary("matmul", [](const Var& a, const Var& b) { return matmul(a, b); })},
      {"outer", binary("outer", [](const Var& a, const Var& b) { return outer(a, b); })},
      {"addmm", {"addmm", [](const Args& x, const json&) { return addmm(x[0], x[1], x[2]); }}},
      {"softmax", {"softmax", [](const Args& x, const json& a) { return softmax(x[0], a["axis"]); }}},
      {"log_softmax", {"log_softmax", [](const Args& x, const json& a) { return log_softmax(x[0], a["axis"]); }}},
      {"cross_entropy", binary("cross_entropy", [](const Var& l, const Var& t) { return cross_entropy(l, t); })},
      {"cross_entropy_labels", {"cross_entropy", [](const Args& x, const json& a) {
                                  return cross_entropy(x[0], a["labels"].get<std::vector<int64_t>>());
                                }}},
      {"lstm_cell_state",
       {"lstm_cell_state", [](const Args& x, const json&) { return lstm_cell_state(x[0], x[1], x[2], x[3]); }}},
      {"lstm_cell_output", binary("lstm_cell_output", [](const Var& z, const Var& c) { return lstm_cell_output(z, c); })},
      {"conv2d", {"conv2d", [](const Args& x, const json& a) { return conv2d(x[0], x[1], conv_options(a)); }}},
      {"conv2d_bias",
       {"conv2d", [](const Args& x, const json& a) { return conv2d(x[0], x[1], x[2], conv_options(a)); }}},
      {"max_pool2d",
       {"max_pool2d", [](const Args& x, const json& a) { return max_pool2d(x[0], size2(a["pool"]), pool_options(a)); }}},
      {"avg_pool2d",
       {"avg_pool2d", [](const Args& x, const json& a) { return avg_pool2d(x[0], size2(a["pool"]), pool_options(a)); }}},
  };
}

const std::map<std::string, Entry>& interpreter() {
  static const std::map<std::string, Entry> all = [] {
    std::map<std::string, Entry> m = elementwise_ops();
    m.merge(structural_ops());
    m.merge(network_ops());
    return m;
  }();
  return all;
}

json load_golden() {
  const char* env = std::getenv("WENGERT_TORCH_DIFF");
  std::ifstream in(env ? env : "tests/golden/torch_diff.json");
  BOOST_REQUIRE_MESSAGE(in, "cannot open the golden file");
  return json::parse(in);
}

// Agreement to rounding: |got − want| ≤ 1e-9·|want| + 1e-10·max(1, max|want|), element by element; reports the
// first element that differs.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
  BOOST_TEST_REQUIRE(got.size() == want.size(), what << ": " << got.size() << " elements, want " << want.size());
  double scale = 1;
  for (double w : want) scale = std::max(scale, std::abs(w));
  for (size_t i = 0; i < got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= 1e-9 * std::abs(want[i]) + 1e-10 * scale)) {
      BOOST_ERROR(what << ": element " << i << " is " << got[i] << ", PyTorch has " << want[i]);
      return;
    }
}

Var tensor_of(const json& values, const json& shape) {
  return Var(Tensor::from(values.get<std::vector<double>>(), shape_of(shape), DType::f64));
}

void run_program(const json& prog) {
  const std::string seed = "seed " + std::to_string(prog["seed"].get<int>());
  std::vector<Var> nodes, inputs;
  Var loss;
  for (const json& n : prog["nodes"]) {
    const std::string op = n["op"], where = seed + " node " + std::to_string(nodes.size()) + " (" + op + ")";
    Var v;
    if (op == "input") {
      v = Var(tensor_of(n["value"], n["shape"]).value(), true);
      inputs.push_back(v);
    } else {
      Args args;
      for (const json& a : n["args"]) args.push_back(nodes.at(a.get<size_t>()));
      v = interpreter().at(op).f(args, n["attrs"]);
    }
    BOOST_TEST_REQUIRE((v.shape() == shape_of(n["shape"])), where << ": shape " << v.shape());
    expect_close(v.value().to_vector(), n["value"].get<std::vector<double>>(), where + " value");
    if (v.requires_grad()) {
      const Var term = sum(v * tensor_of(n["weight"], n["shape"]));
      loss = loss.defined() ? loss + term : term;
    }
    nodes.push_back(v);
  }
  if (!loss.defined()) return;
  const std::vector<Var> g = grad(loss, inputs, {.create_graph = true});
  Var s;
  for (size_t i = 0; i < inputs.size(); ++i) {
    expect_close(g[i].value().to_vector(), prog["grads"][i], seed + " gradient of input " + std::to_string(i));
    if (!g[i].requires_grad()) continue;
    const Var term = sum(g[i] * tensor_of(prog["directions"][i], prog["nodes"][i]["shape"]));
    s = s.defined() ? s + term : term;
  }
  const std::vector<Var> hv = s.defined() ? grad(s, inputs) : std::vector<Var>();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<double> got = hv.empty() ? std::vector<double>(inputs[i].numel(), 0.0) : hv[i].value().to_vector();
    expect_close(got, prog["hvps"][i], seed + " Hessian-vector product of input " + std::to_string(i));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_programs_agree_with_pytorch_in_values_gradients_and_hvps) {
  const json golden = load_golden();
  BOOST_TEST(golden["programs"].size() > 0u);
  for (const json& prog : golden["programs"]) run_program(prog);
}

// Every public op is drawn by the generator and run by the interpreter, so a new op without a
// differential row fails here (sum_to, one_hot and scalar_like only make constants or reduce shapes).
BOOST_AUTO_TEST_CASE(the_programs_cover_every_public_op) {
  const json golden = load_golden();
  std::set<std::string> drawn;
  for (const json& prog : golden["programs"])
    for (const json& n : prog["nodes"])
      if (n["op"] != "input") drawn.insert(interpreter().at(n["op"]).catalogue);
  for (const std::string& op : testing::op_catalogue())
    if (op != "sum_to" && op != "one_hot" && op != "scalar_like")
      BOOST_TEST(drawn.contains(op), "no random program exercises " << op);
  for (const auto& [name, entry] : interpreter())
    BOOST_TEST(golden["ops"].dump().find('"' + name + '"') != std::string::npos, name << " is not in the generator");
}
