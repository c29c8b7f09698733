#include "nn/saving/model_io.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "nn/layers/registry.hpp"
#include "nn/optimizers/registry.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;
using nlohmann::json;

namespace {

json to_json(const LayerConfig& config) {
  json out = json::object();
  // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
  for (const auto& entry : config.values())
    std::visit([&](const auto& v) { out[entry.first] = v; }, entry.second);
  return out;
}

json compile_json(const Model& model) {
  if (!model.compiled()) return nullptr;
  json metrics = json::array();
  for (const Metric& m : model.metrics()) metrics.push_back(m.name());
  const Optimizer& opt = model.optimizer();
  json schedule = nullptr;
  if (opt.schedule()) schedule = {{"type", opt.schedule()->type()}, {"config", json::parse(opt.schedule()->config())}};
  json out = {{"loss", model.loss().name()},
              {"optimizer", {{"type", opt.type()}, {"config", optimizer_config(opt)}, {"schedule", schedule}}},
              {"metrics", metrics}};
  // A single loss stays a string, as in files written before models had several outputs.
  if (model.losses().size() > 1) {
    out["loss"] = json::array();
    for (const Loss& l : model.losses()) out["loss"].push_back(l.name());
  }
  if (std::any_of(model.loss_weights().begin(), model.loss_weights().end(), [](double w) { return w != 1.0; }))
    out["loss_weights"] = model.loss_weights();
  return out;
}

json layer_json(const Layer& l) {
  check<ValueError>(l.type() != "Functional",
                    "model_json: layer '{}' is a functional model inside another model, which cannot be saved yet; "
                    "save its weights instead",
                    l.name());
  json out = {{"type", l.type()}, {"name", l.name()}, {"dtype", autodiff::name(l.dtype())}, {"config", to_json(l.config())}};
  if (l.remat()) out["remat"] = true;  // absent otherwise: files stay as before
  return out;
}

// A functional model: its layers, its inputs, and its calls in an order where each reads only earlier ones. A
// call reads ["<layer or input>", <which call of that layer>, <which output>], Keras' inbound-node triple.
json functional_json(const Functional& graph) {
  std::map<const LayerCall*, size_t> node;
  std::map<const Layer*, size_t> count;
  auto source = [&](const SymbolicTensor& x) {
    const LayerCall& c = *x.call();
    return json::array({c.layer ? c.layer->name() : c.input_name, c.layer ? node.at(&c) : 0, x.index()});
  };
  json layers = json::array(), inputs = json::array(), calls = json::array(), outputs = json::array();
  for (const auto& l : graph.layers()) layers.push_back(layer_json(*l));
  for (const SymbolicTensor& x : graph.inputs())
    inputs.push_back({{"name", x.call()->input_name}, {"shape", x.shape().vec()}, {"dtype", autodiff::name(x.dtype())}});
  for (const auto& call : graph.calls()) {
    if (!call->layer) continue;
    node[call.get()] = count[call->layer.get()]++;
    json reads = json::array();
    for (const SymbolicTensor& x : call->inputs) reads.push_back(source(x));
    calls.push_back({{"layer", call->layer->name()}, {"inputs", reads}});
  }
  for (const SymbolicTensor& y : graph.outputs()) outputs.push_back(source(y));
  return {{"layers", layers}, {"inputs", inputs}, {"calls", calls}, {"outputs", outputs}};
}

// A JSON value with its location: every read checks the kind and names source and JSON pointer on failure.
class Node {
 public:
  Node(const json& value, std::string pointer, const std::string& source)
      : value_(value), pointer_(std::move(pointer)), source_(source) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw ValueError(fmt::format("parse_model_json: {}: at {}: {}", source_, pointer_.empty() ? "/" : pointer_, what));
  }
  const json& value() const { return value_; }
  bool is_null() const { return value_.is_null(); }
  Node at(const std::string& key) const {
    if (!value_.is_object()) fail(fmt::format("expected an object; got {}", value_.type_name()));
    if (!value_.contains(key)) fail(fmt::format("missing field '{}'", key));
    return {value_.at(key), pointer_ + "/" + key, source_};
  }
  Node at(size_t i) const { return {value_.at(i), fmt::format("{}/{}", pointer_, i), source_}; }
  size_t size() const {
    if (!value_.is_array()) fail(fmt::format("expected an array; got {}", value_.type_name()));
    return value_.size();
  }
  std::string string() const {
    if (!value_.is_string()) fail(fmt::format("expected a string; got {}", value_.type_name()));
    return value_.get<std::string>();
  }
  double number() const {
    if (!value_.is_number()) fail(fmt::format("expected a number; got {}", value_.type_name()));
    return value_.get<double>();
  }
  bool boolean() const {
    if (!value_.is_boolean()) fail(fmt::format("expected true or false; got {}", value_.type_name()));
    return value_.get<bool>();
  }
  int64_t integer() const {
    if (value_.is_number_unsigned() && value_.get<uint64_t>() > uint64_t(INT64_MAX)) fail("integer out of range");
    if (!value_.is_number_integer()) fail(fmt::format("expected an integer; got {}", value_.type_name()));
    return value_.get<int64_t>();
  }
  std::vector<int64_t> integers() const {
    std::vector<int64_t> out;
    for (size_t i = 0; i < size(); ++i) out.push_back(at(i).integer());
    return out;
  }
  ConfigValue config_value() const {
    if (value_.is_null()) return nullptr;
    if (value_.is_boolean()) return value_.get<bool>();
    if (value_.is_number_integer()) return integer();
    if (value_.is_number()) return value_.get<double>();
    if (value_.is_string()) return value_.get<std::string>();
    if (value_.is_array()) return integers();
    fail(fmt::format("expected null, a flag, a number, a string or a list of integers; got {}", value_.type_name()));
  }
  const std::string& pointer() const { return pointer_; }

 private:
  const json& value_;
  std::string pointer_;
  const std::string& source_;
};

autodiff::DType parse_dtype(const Node& node) {
  const std::string name = node.string();
  if (name == "float32") return autodiff::DType::f32;
  if (name == "float64") return autodiff::DType::f64;
  node.fail(fmt::format("dtype must be float32 or float64; got '{}'", name));
}

// Layer errors (bad arguments, unknown types, shapes that do not chain) gain the location of the layer.
template <class F>
auto located(const Node& node, F f) {
  try {
    return f();
  } catch (const autodiff::Error& e) {
    node.fail(e.what());
  }
}

std::shared_ptr<Layer> parse_layer(const Node& entry) {
  const std::string type = entry.at("type").string();
  LayerConfig config(type);
  const Node fields = entry.at("config");
  if (!fields.value().is_object()) fields.fail(fmt::format("expected an object; got {}", fields.value().type_name()));
  for (const auto& [key, value] : fields.value().items()) config.set(key, fields.at(key).config_value());
  const std::shared_ptr<Layer> layer = located(entry, [&] { return make_layer(type, config); });
  if (entry.value().contains("name")) layer->set_name(entry.at("name").string());
  if (entry.value().contains("dtype")) layer->set_dtype(parse_dtype(entry.at("dtype")));
  if (entry.value().contains("remat")) layer->set_remat(entry.at("remat").boolean());
  return layer;
}

void compile_from(Model& model, const Node& node) {
  OptimizerConfig hyper;
  const Node optimizer = node.at("optimizer");
  const Node fields = optimizer.at("config");
  if (!fields.value().is_object()) fields.fail(fmt::format("expected an object; got {}", fields.value().type_name()));
  for (const auto& [key, value] : fields.value().items()) hyper[key] = fields.at(key).number();
  std::vector<Metric> metrics;
  const Node names = node.at("metrics");
  for (size_t i = 0; i < names.size(); ++i)
    metrics.push_back(located(names.at(i), [&] { return Metric(names.at(i).string()); }));
  std::vector<Loss> losses;
  const Node loss = node.at("loss");
  if (loss.value().is_array())
    for (size_t i = 0; i < loss.size(); ++i) losses.push_back(located(loss.at(i), [&] { return Loss(loss.at(i).string()); }));
  else
    losses.push_back(located(loss, [&] { return Loss(loss.string()); }));
  std::vector<double> weights;
  if (node.value().contains("loss_weights"))
    for (size_t i = 0; i < node.at("loss_weights").size(); ++i) weights.push_back(node.at("loss_weights").at(i).number());
  const std::string type = optimizer.at("type").string();
  const std::shared_ptr<Optimizer> opt = located(optimizer, [&] { return optimizer_from_config(type, hyper); });
  // Files written before schedules were saved have no "schedule": a constant learning rate, as then.
  if (optimizer.value().contains("schedule") && !optimizer.value().at("schedule").is_null()) {
    const Node schedule = optimizer.at("schedule");
    const std::string kind = schedule.at("type").string();
    const std::string config = schedule.at("config").value().dump();
    opt->set_schedule(located(schedule, [&] { return schedule_from_config(kind, config); }));
  }
  located(node, [&] { model.compile(losses, opt, metrics, weights); });
}

// The symbolic tensor a call reads: ["<layer or input>", <call of that layer>, <output>].
SymbolicTensor source_of(const Node& triple, const std::map<std::string, std::vector<std::vector<SymbolicTensor>>>& made) {
  if (triple.size() != 3) triple.fail("expected [name, call, output]");
  const std::string name = triple.at(0).string();
  const auto it = made.find(name);
  if (it == made.end()) triple.fail(fmt::format("'{}' is neither an input nor a layer called before", name));
  const int64_t call = triple.at(1).integer(), output = triple.at(2).integer();
  if (call < 0 || size_t(call) >= it->second.size()) triple.fail(fmt::format("'{}' has no call {}", name, call));
  const auto& outs = it->second[size_t(call)];
  if (output < 0 || size_t(output) >= outs.size()) triple.fail(fmt::format("'{}' has no output {}", name, output));
  return outs[size_t(output)];
}

std::shared_ptr<Model> parse_functional(const Node& root) {
  std::map<std::string, std::shared_ptr<Layer>> layers;
  const Node entries = root.at("layers");
  for (size_t i = 0; i < entries.size(); ++i) {
    std::shared_ptr<Layer> layer = parse_layer(entries.at(i));
    if (!layers.emplace(layer->name(), layer).second) entries.at(i).fail(fmt::format("a second layer '{}'", layer->name()));
  }
  std::map<std::string, std::vector<std::vector<SymbolicTensor>>> made;  // each name's calls and their outputs
  std::vector<SymbolicTensor> inputs, outputs;
  const Node in = root.at("inputs");
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string name = in.at(i).at("name").string();
    inputs.push_back(Input(Shape(in.at(i).at("shape").integers()), {.name = name, .dtype = parse_dtype(in.at(i).at("dtype"))}));
    made[name] = {{inputs.back()}};
  }
  const Node calls = root.at("calls");
  for (size_t i = 0; i < calls.size(); ++i) {
    const Node call = calls.at(i);
    const std::string name = call.at("layer").string();
    if (!layers.contains(name)) call.at("layer").fail(fmt::format("no layer named '{}'", name));
    std::vector<SymbolicTensor> reads;
    for (size_t k = 0; k < call.at("inputs").size(); ++k) reads.push_back(source_of(call.at("inputs").at(k), made));
    made[name].push_back(located(call, [&] { return layers.at(name)->call_symbolic(reads); }));
  }
  const Node out = root.at("outputs");
  for (size_t i = 0; i < out.size(); ++i) outputs.push_back(source_of(out.at(i), made));
  const std::string name = root.value().contains("name") ? root.at("name").string() : "model";
  return located(root, [&] { return std::make_shared<Model>(inputs, outputs, name); });
}

std::shared_ptr<Model> parse_sequential(const Node& root) {
  auto model = std::make_shared<Sequential>();
  const Node layers = root.at("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    std::shared_ptr<Layer> layer = parse_layer(layers.at(i));
    located(layers.at(i), [&] { model->add(layer); });
  }
  if (root.value().contains("input_shape") && !root.value().at("input_shape").is_null() && !model->model_built()) {
    const Node shape = root.at("input_shape");
    const Shape input(shape.integers());
    const autodiff::DType dtype = model->layers().empty() ? autodiff::DType::f32 : model->layers()[0]->dtype();
    located(shape, [&] { model->build(input, dtype); });
  }
  return model;
}

// nlohmann's DOM builder, but every lexer error is reported with its byte. json::parse throws a
// number too large for a double ("1e999") as out_of_range, which carries no position (found by
// fuzz_model_json); the SAX interface hands the position to parse_error for every kind of error.
class LocatedDom : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  LocatedDom(json& root, const std::string& text, const std::string& source)
      : json_sax_dom_parser(root), text_(text), source_(source) {}

  bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception& e) {
    // nlohmann reports a byte; people read lines and columns.
    const size_t byte = std::min(position, text_.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < byte; ++i) column = text_[i] == '\n' ? (++line, 1) : column + 1;
    throw ValueError(fmt::format("parse_model_json: {}: invalid JSON at line {}, column {} (byte {}): {}", source_,
                                 line, column, position, e.what()));
  }

 private:
  const std::string& text_;
  const std::string& source_;
};

json parse_text(const std::string& text, const std::string& source) {
  json root;
  LocatedDom dom(root, text, source);
  json::sax_parse(text, &dom);
  return root;
}

}  // namespace

bool has_architecture(const Model& model) {
  return dynamic_cast<const Sequential*>(&model) != nullptr || model.functional() != nullptr;
}

std::string model_json(const Model& model) {
  check<ValueError>(has_architecture(model),
                    "model_json: only a Sequential's or a functional model's architecture can be saved; got a '{}': "
                    "use save_weights and rebuild it in code",
                    model.model_name());
  json doc = {{"format", kModelMetadataKey}, {"version", 1}, {"compile", compile_json(model)}};
  if (const Functional* graph = model.functional()) {
    doc.update(functional_json(*graph));
    doc["class"] = "Functional";
    doc["name"] = model.model_name();
    // Checkpoint comparisons read one input shape, as for a Sequential.
    doc["input_shape"] = graph->inputs().size() == 1 ? json(graph->inputs()[0].shape().vec()) : json(nullptr);
    return doc.dump(1);
  }
  const auto& seq = dynamic_cast<const Sequential&>(model);
  json layers = json::array();
  for (const auto& l : seq.layers()) layers.push_back(layer_json(*l));
  doc["class"] = "Sequential";
  doc["input_shape"] = seq.input_shape() ? json(seq.input_shape()->vec()) : json(nullptr);
  doc["layers"] = layers;
  return doc.dump(1);
}

std::string compile_config(const Model& model) { return compile_json(model).dump(); }

std::shared_ptr<Model> parse_model_json(const std::string& text, const std::string& source, bool compile) {
  const json doc = parse_text(text, source);
  const Node root(doc, "", source);
  const std::string cls = root.at("class").string();
  if (cls != "Sequential" && cls != "Functional")
    root.at("class").fail(fmt::format("only Sequential and Functional models can be loaded; got '{}'", cls));
  std::shared_ptr<Model> model = cls == "Sequential" ? parse_sequential(root) : parse_functional(root);
  if (compile && doc.contains("compile") && !doc.at("compile").is_null()) compile_from(*model, root.at("compile"));
  return model;
}

void save_model(const std::filesystem::path& path, const Model& model) {
  // Refused here rather than at load: a file that cannot be read back is worse than no file.
  const auto& schedule = model.compiled() ? model.optimizer().schedule() : nullptr;
  check<ValueError>(!schedule || schedule->config() != "null",
                    "save_model: the learning-rate schedule {} has no config(), so load_model could not rebuild it; "
                    "got config() {}",
                    schedule ? schedule->type() : "", schedule ? schedule->config() : "");
  io::save_safetensors(path, state_tensors(model), {{kModelMetadataKey, model_json(model)}});
}

std::shared_ptr<Model> load_model(const std::filesystem::path& path, LoadModelOptions options) {
  const io::TensorFile file = io::load_safetensors(path);
  const auto it = file.metadata.find(kModelMetadataKey);
  check<autodiff::IoError>(it != file.metadata.end(),
                           "load_model: '{}' has no architecture (no '{}' in its metadata): it holds weights only; "
                           "build the model in code and call load_weights",
                           path.string(), kModelMetadataKey);
  std::shared_ptr<Model> model = parse_model_json(it->second, path.string(), options.compile);
  model->build_if_shape_known();
  assign_state(*model, file.tensors, {.strict = true}, "load_model", path.string());
  return model;
}

void Model::save(const std::filesystem::path& path) const { save_model(path, *this); }

}  // namespace nn
