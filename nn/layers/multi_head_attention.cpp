#include "nn/layers/multi_head_attention.hpp"

#include <cmath>

#include "autodiff/ops/elementwise.hpp"
#include "autodiff/ops/linalg.hpp"
#include "autodiff/ops/nn.hpp"
#include "autodiff/ops/shape.hpp"
#include "autodiff/tensor_map.hpp"
#include "nn/layers/initializers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

namespace {
// Keras' _large_negative_number for float32 and float64: exp(−1e9 − max) is exactly 0, and a row masked
// everywhere holds −1e9 everywhere, so its softmax is uniform rather than NaN (docs/nn.md, "Attention").
constexpr double kMasked = -1e9;

Shape per_sample(const Var& x) {
  Shape s = x.shape();
  s.erase(0);
  return s;
}

// forward_many's inputs for attend(): the key defaults to the value.
std::vector<Var> attention_inputs(const Var& query, const Var& value, const AttentionArgs& args) {
  std::vector<Var> inputs{query, value};
  if (args.key.defined() || args.attention_mask.defined()) inputs.push_back(args.key.defined() ? args.key : value);
  if (args.attention_mask.defined()) inputs.push_back(args.attention_mask);
  return inputs;
}

// Clears a flag when attend() returns or throws.
struct FlagScope {
  bool& flag;
  FlagScope(bool& f, bool on) : flag(f) { flag = on; }
  ~FlagScope() { flag = false; }
};
}  // namespace

namespace detail {
AttentionDense::AttentionDense(const Tensor& kernel, const Tensor* bias) {
  register_parameter("kernel", kernel);
  if (bias) register_parameter("bias", *bias);
}

Var AttentionDense::project(const Var& x, int64_t in_axes) const {
  const Shape& k = kernel().shape();
  int64_t in = 1;
  for (int64_t a = 0; a < in_axes; ++a) in *= k[a];
  const Var w = autodiff::reshape(kernel(), Shape{in, k.numel() / in});
  if (!has_parameter("bias")) return autodiff::matmul(x, w);
  // The product accumulates onto the bias: no extra pass.
  return autodiff::addmm(autodiff::reshape(parameter("bias"), Shape{k.numel() / in}), x, w);
}

Var AttentionDense::forward(const Var&) {
  throw ValueError("MultiHeadAttention: its query/key/value/attention_output parts are not called on their own");
}
}  // namespace detail

MultiHeadAttention::MultiHeadAttention(int64_t num_heads, int64_t key_dim, MultiHeadAttentionOptions options)
    : num_heads_(num_heads), key_dim_(key_dim), options_(std::move(options)), gen_(options_.seed.value_or(0)) {
  check<ValueError>(num_heads > 0 && key_dim > 0, "MultiHeadAttention: num_heads and key_dim must be positive; got {} "
                    "and {}", num_heads, key_dim);
  check<ValueError>(value_dim() > 0, "MultiHeadAttention: value_dim must be positive; got {}", value_dim());
  check<ValueError>(options_.output_shape.value_or(1) > 0, "MultiHeadAttention: output_shape must be positive; got {}",
                    options_.output_shape.value_or(0));
  check<ValueError>(options_.dropout >= 0 && options_.dropout < 1,
                    "MultiHeadAttention: dropout must be in [0, 1); got {}", options_.dropout);
  input_shape_ = options_.input_shape;
}

Shape MultiHeadAttention::output_shape(const Shape& input_shape) const {
  return output_shapes({input_shape, input_shape})[0];
}

std::vector<Shape> MultiHeadAttention::output_shapes(const std::vector<Shape>& input_shapes) const {
  check<ValueError>(input_shapes.size() >= 1 && input_shapes.size() <= 4,
                    "MultiHeadAttention: takes [query] (self-attention), [query, value], [query, value, key] or "
                    "[query, value, key, attention_mask]; got {} inputs", input_shapes.size());
  const std::vector<Shape> in = input_shapes.size() == 1 ? std::vector{input_shapes[0], input_shapes[0]} : input_shapes;
  const char* names[] = {"query", "value", "key", "attention_mask"};
  for (size_t i = 0; i < in.size(); ++i)
    check<ShapeError>(in[i].rank() == 2, "MultiHeadAttention: {} must be [T, d] per sample ([batch, T, d]); got {}",
                      names[i], in[i]);
  const Shape &query = in[0], &value = in[1], &key = in.size() > 2 ? in[2] : in[1];
  check<ShapeError>(key[0] == value[0], "MultiHeadAttention: key and value must have the same length; got key {} and "
                    "value {}", key, value);
  if (in.size() == 4) {
    const Shape& m = in[3];
    check<ShapeError>((m[0] == query[0] || m[0] == 1) && (m[1] == value[0] || m[1] == 1),
                      "MultiHeadAttention: attention_mask must broadcast to [Tq, Tk] = [{}, {}] per sample; got {}",
                      query[0], value[0], m);
  }
  if (query_) {
    const std::pair<const char*, const Shape*> sides[] = {{"query", &query}, {"value", &value}, {"key", &key}};
    const detail::AttentionDense* dense[] = {query_.get(), value_.get(), key_.get()};
    for (size_t i = 0; i < 3; ++i) {
      const auto& [name, s] = sides[i];
      const int64_t d = dense[i]->kernel().size(0);
      check<ShapeError>(s->back() == d, "MultiHeadAttention: expected {} with {} features (last axis); got {}", name,
                        d, *s);
    }
  }
  const int64_t d_out = options_.output_shape.value_or(query[1]);
  std::vector<Shape> out{Shape{query[0], d_out}};
  if (options_.return_attention_scores) out.push_back(Shape{num_heads_, query[0], value[0]});
  return out;
}

void MultiHeadAttention::build(const Shape& input_shape, autodiff::Generator& gen) {
  build_many({input_shape, input_shape}, gen);
}

void MultiHeadAttention::build_many(const std::vector<Shape>& in, autodiff::Generator& gen) {
  const int64_t d_query = in[0].back(), d_value = in.size() > 1 ? in[1].back() : d_query;
  const int64_t d_key = in.size() > 2 ? in[2].back() : d_value, d_out = options_.output_shape.value_or(d_query);
  // Keras' EinsumDense layout and order: query, key, value, attention_output, each kernel then bias.
  const auto dense = [&](const std::string& name, const Shape& kernel, const Shape& bias) {
    const Tensor k = initialize(options_.kernel_initializer, kernel, gen, dtype_);
    const Tensor b = options_.use_bias ? initialize(options_.bias_initializer, bias, gen, dtype_) : Tensor();
    auto d = std::make_shared<detail::AttentionDense>(k, options_.use_bias ? &b : nullptr);
    register_module(name, d);
    return d;
  };
  query_ = dense("query", Shape{d_query, num_heads_, key_dim_}, Shape{num_heads_, key_dim_});
  key_ = dense("key", Shape{d_key, num_heads_, key_dim_}, Shape{num_heads_, key_dim_});
  value_ = dense("value", Shape{d_value, num_heads_, value_dim()}, Shape{num_heads_, value_dim()});
  output_ = dense("attention_output", Shape{num_heads_, value_dim(), d_out}, Shape{d_out});
  // As Dropout: drawing the seed from the model's generator keeps two layers of one model independent.
  if (!options_.seed) gen_.seed(gen.engine()());
}

Var MultiHeadAttention::forward(const Var& x) { return attention({x, x}, options_.use_causal_mask, false)[0]; }

std::vector<Var> MultiHeadAttention::forward_many(const std::vector<Var>& inputs) {
  const bool causal = options_.use_causal_mask || call_causal_;
  const bool scores = options_.return_attention_scores || call_scores_;
  return attention(inputs.size() == 1 ? std::vector<Var>{inputs[0], inputs[0]} : inputs, causal, scores);
}

Var MultiHeadAttention::attend(const Var& query, const Var& value, const AttentionArgs& args) {
  const FlagScope causal(call_causal_, args.use_causal_mask);
  return call_many(attention_inputs(query, value, args))[0];
}

std::pair<Var, Var> MultiHeadAttention::attend_with_scores(const Var& query, const Var& value,
                                                           const AttentionArgs& args) {
  const FlagScope scores(call_scores_, true);
  const FlagScope causal(call_causal_, args.use_causal_mask);
  const std::vector<Var> out = call_many(attention_inputs(query, value, args));
  return {out[0], out[1]};
}

Var MultiHeadAttention::project(const Var& x, const detail::AttentionDense& dense) {
  const Shape& k = dense.kernel().shape();
  // One [B·T, d] × [d, heads·e] product for all heads and samples.
  const Var y = dense.project(autodiff::reshape(x, Shape{x.size(0) * x.size(1), x.size(2)}), 1);
  return autodiff::reshape(y, Shape{x.size(0), x.size(1), k[1], k[2]});
}

Var MultiHeadAttention::combined_mask(const Var& attention_mask, int64_t tq, int64_t tk, bool causal) const {
  Var mask;
  if (attention_mask.defined()) mask = autodiff::unsqueeze(attention_mask.detach(), 1);  // [B, 1, Tq|1, Tk|1]
  if (causal) {
    // Keras' tril(ones([Tq, Tk])): query position i sees key positions j ≤ i.
    std::vector<double> lower(static_cast<size_t>(tq * tk));
    for (int64_t i = 0; i < tq; ++i)
      for (int64_t j = 0; j < tk; ++j) lower[size_t(i * tk + j)] = j <= i ? 1.0 : 0.0;
    const Var tril(Tensor::from(lower, Shape{tq, tk}, dtype_));
    mask = mask.defined() ? autodiff::Var((mask * tril).value()) : tril;
  }
  return mask;
}

std::vector<Shape> MultiHeadAttention::checked_shapes(const std::vector<Var>& inputs) const {
  std::vector<Shape> shapes;
  for (const Var& x : inputs) {
    check<ShapeError>(x.rank() == 3, "MultiHeadAttention: inputs must be [batch, T, d]; got {}", x.shape());
    check<ShapeError>(x.size(0) == inputs[0].size(0),
                      "MultiHeadAttention: every input must have the query's batch size; got query {} and {}",
                      inputs[0].shape(), x.shape());
    shapes.push_back(per_sample(x));
  }
  (void)output_shapes(shapes);
  return shapes;
}

std::vector<Var> MultiHeadAttention::attention(const std::vector<Var>& inputs, bool causal, bool with_scores) {
  check<ValueError>(inputs.size() >= 2 && inputs.size() <= 4,
                    "MultiHeadAttention: takes [query] (self-attention), [query, value], [query, value, key] or "
                    "[query, value, key, attention_mask]; got {} inputs", inputs.size());
  const std::vector<Shape> shapes = checked_shapes(inputs);
  if (!built()) dtype_ = inputs[0].dtype();
  ensure_built_many(shapes, autodiff::default_generator());
  const Var &query = inputs[0], &value = inputs[1], &key = inputs.size() > 2 ? inputs[2] : inputs[1];
  const int64_t b = query.size(0), tq = query.size(1);
  // [B, T, heads, e] viewed as [B, heads, T, e] (and K as [B, heads, e, Tk]): batched matmul reads the strides.
  const Var q = autodiff::permute(project(query, *query_) * (1.0 / std::sqrt(double(key_dim_))), {0, 2, 1, 3});
  const Var k = autodiff::permute(project(key, *key_), {0, 2, 3, 1});
  const Var v = autodiff::permute(project(value, *value_), {0, 2, 1, 3});
  Var logits = autodiff::matmul(q, k);  // [B, heads, Tq, Tk]
  const Var mask = combined_mask(inputs.size() == 4 ? inputs[3] : Var(), tq, value.size(1), causal);
  if (mask.defined()) logits = autodiff::where(mask, logits, autodiff::scalar_like(kMasked, logits));
  const Var scores = autodiff::softmax(logits, -1);
  Var weights = scores;
  if (training() && options_.dropout > 0) {
    const double keep = 1.0 - options_.dropout, scale = 1.0 / keep;
    const Tensor u = autodiff::rand(scores.shape(), gen_, scores.dtype());
    weights = scores * Var(autodiff::map(u, [&](auto x) { return x < keep ? scale : 0.0; }));
  }
  // [B, heads, Tq, dv] → [B·Tq, heads·dv], then one product with the output kernel [heads·dv, d_out].
  const Var heads = autodiff::reshape(autodiff::permute(autodiff::matmul(weights, v), {0, 2, 1, 3}),
                                      Shape{b * tq, num_heads_ * value_dim()});
  const Var out = output_->project(heads, 2);
  std::vector<Var> outputs{autodiff::reshape(out, Shape{b, tq, out.size(1)})};
  if (with_scores) outputs.push_back(scores);
  return outputs;
}

namespace {
// An optional extent: null in the config when absent.
void write_optional(LayerConfig& c, const std::string& key, const std::optional<int64_t>& v) {
  c.set(key, v ? ConfigValue(*v) : ConfigValue(nullptr));
}
void read_optional(const LayerConfig& c, const std::string& key, std::optional<int64_t>& v) {
  if (!c.has(key) || std::holds_alternative<std::nullptr_t>(c.at(key))) return;
  int64_t x = 0;
  ConfigReader{c}(key, x);
  v = x;
}

template <class F>
void fields(const F& f, MultiHeadAttentionOptions& o) {
  f("dropout", o.dropout);
  f("use_bias", o.use_bias);
  f("kernel_initializer", o.kernel_initializer);
  f("bias_initializer", o.bias_initializer);
  f("use_causal_mask", o.use_causal_mask);
  f("return_attention_scores", o.return_attention_scores);
  f("seed", o.seed);
  f("input_shape", o.input_shape);
}
}  // namespace

LayerConfig MultiHeadAttention::config() const {
  LayerConfig c(type());
  MultiHeadAttentionOptions o = options_;
  o.input_shape = input_shape_;
  ConfigWriter{c}("num_heads", num_heads_);
  ConfigWriter{c}("key_dim", key_dim_);
  write_optional(c, "value_dim", o.value_dim);
  write_optional(c, "output_shape", o.output_shape);
  fields(ConfigWriter{c}, o);
  return c;
}

std::shared_ptr<Layer> MultiHeadAttention::from_config(const LayerConfig& c) {
  MultiHeadAttentionOptions o;
  read_optional(c, "value_dim", o.value_dim);
  read_optional(c, "output_shape", o.output_shape);
  fields(ConfigReader{c}, o);
  const ConfigReader r{c};
  return std::make_shared<MultiHeadAttention>(r.required<int64_t>("num_heads"), r.required<int64_t>("key_dim"), o);
}

}  // namespace nn
