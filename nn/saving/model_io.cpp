#include "nn/saving/model_io.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

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
  return {{"loss", model.loss().name()},
          {"optimizer", {{"type", opt.type()}, {"config", optimizer_config(opt)}, {"schedule", schedule}}},
          {"metrics", metrics}};
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

void add_layer(Sequential& model, const Node& entry) {
  const std::string type = entry.at("type").string();
  LayerConfig config(type);
  const Node fields = entry.at("config");
  if (!fields.value().is_object()) fields.fail(fmt::format("expected an object; got {}", fields.value().type_name()));
  for (const auto& [key, value] : fields.value().items()) config.set(key, fields.at(key).config_value());
  const std::shared_ptr<Layer> layer = located(entry, [&] { return make_layer(type, config); });
  if (entry.value().contains("name")) layer->set_name(entry.at("name").string());
  if (entry.value().contains("dtype")) layer->set_dtype(parse_dtype(entry.at("dtype")));
  if (entry.value().contains("remat")) layer->set_remat(entry.at("remat").boolean());
  located(entry, [&] { model.add(layer); });
}

void compile_from(Sequential& model, const Node& node) {
  OptimizerConfig hyper;
  const Node optimizer = node.at("optimizer");
  const Node fields = optimizer.at("config");
  if (!fields.value().is_object()) fields.fail(fmt::format("expected an object; got {}", fields.value().type_name()));
  for (const auto& [key, value] : fields.value().items()) hyper[key] = fields.at(key).number();
  std::vector<Metric> metrics;
  const Node names = node.at("metrics");
  for (size_t i = 0; i < names.size(); ++i)
    metrics.push_back(located(names.at(i), [&] { return Metric(names.at(i).string()); }));
  const Loss loss = located(node.at("loss"), [&] { return Loss(node.at("loss").string()); });
  const std::string type = optimizer.at("type").string();
  const std::shared_ptr<Optimizer> opt = located(optimizer, [&] { return optimizer_from_config(type, hyper); });
  // Files written before schedules were saved have no "schedule": a constant learning rate, as then.
  if (optimizer.value().contains("schedule") && !optimizer.value().at("schedule").is_null()) {
    const Node schedule = optimizer.at("schedule");
    const std::string kind = schedule.at("type").string();
    const std::string config = schedule.at("config").value().dump();
    opt->set_schedule(located(schedule, [&] { return schedule_from_config(kind, config); }));
  }
  model.compile(loss, opt, metrics);
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

std::string model_json(const Model& model) {
  const auto* seq = dynamic_cast<const Sequential*>(&model);
  check<ValueError>(seq != nullptr,
                    "model_json: only a Sequential's architecture can be saved; got a '{}': use save_weights and "
                    "rebuild it in code",
                    model.model_name());
  json layers = json::array();
  for (const auto& l : seq->layers()) {
    layers.push_back({{"type", l->type()}, {"name", l->name()}, {"dtype", autodiff::name(l->dtype())},
                      {"config", to_json(l->config())}});
    if (l->remat()) layers.back()["remat"] = true;  // absent otherwise: files stay as before
  }
  json input_shape = nullptr;
  if (seq->input_shape()) input_shape = seq->input_shape()->vec();
  const json doc = {{"format", kModelMetadataKey}, {"version", 1},         {"class", "Sequential"},
                    {"input_shape", input_shape},  {"layers", layers}, {"compile", compile_json(model)}};
  return doc.dump(1);
}

std::string compile_config(const Model& model) { return compile_json(model).dump(); }

std::shared_ptr<Sequential> parse_model_json(const std::string& text, const std::string& source) {
  const json doc = parse_text(text, source);
  const Node root(doc, "", source);
  if (const std::string cls = root.at("class").string(); cls != "Sequential")
    root.at("class").fail(fmt::format("only Sequential models can be loaded; got '{}'", cls));
  auto model = std::make_shared<Sequential>();
  const Node layers = root.at("layers");
  for (size_t i = 0; i < layers.size(); ++i) add_layer(*model, layers.at(i));
  if (doc.contains("input_shape") && !doc.at("input_shape").is_null() && !model->model_built()) {
    const Node shape = root.at("input_shape");
    const Shape input(shape.integers());
    const autodiff::DType dtype = model->layers().empty() ? autodiff::DType::f32 : model->layers()[0]->dtype();
    located(shape, [&] { model->build(input, dtype); });
  }
  if (doc.contains("compile") && !doc.at("compile").is_null()) compile_from(*model, root.at("compile"));
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

std::shared_ptr<Sequential> load_model(const std::filesystem::path& path) {
  const io::TensorFile file = io::load_safetensors(path);
  const auto it = file.metadata.find(kModelMetadataKey);
  check<autodiff::IoError>(it != file.metadata.end(),
                           "load_model: '{}' has no architecture (no '{}' in its metadata): it holds weights only; "
                           "build the model in code and call load_weights",
                           path.string(), kModelMetadataKey);
  std::shared_ptr<Sequential> model = parse_model_json(it->second, path.string());
  model->build_if_shape_known();
  assign_state(*model, file.tensors, {.strict = true}, "load_model", path.string());
  return model;
}

void Model::save(const std::filesystem::path& path) const { save_model(path, *this); }

}  // namespace nn
