#include "nn/saving/checkpoint.hpp"

#include <fmt/format.h>

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nn/saving/model_diff.hpp"
#include "nn/saving/model_io.hpp"
#include "nn/layers/layer.hpp"

namespace nn {

using autodiff::check;
using autodiff::IoError;
using autodiff::ValueError;
using nlohmann::json;

namespace {

constexpr std::string_view kSlotPrefix = "optimizer/";

// Every layer with its own generator, by its path of child names ("dropout_1").
void collect_generators(const Module& module, const std::string& prefix,
                        std::map<std::string, autodiff::Generator*>& out) {
  for (const auto& [name, child] : module.children()) {
    const std::string path = name.empty() ? prefix : (prefix.empty() ? name : prefix + "." + name);
    if (auto* layer = dynamic_cast<Layer*>(child.get()); layer && layer->random_generator())
      out[path] = layer->random_generator();
    collect_generators(*child, path, out);
  }
}

// mt19937_64's own text form: the full engine state, which a fresh engine reads back exactly.
std::string engine_state(const autodiff::Generator& gen) {
  std::ostringstream os;
  os << gen.engine();
  return os.str();
}

void set_engine_state(autodiff::Generator& gen, const std::string& state, const std::string& what) {
  std::istringstream is(state);
  std::mt19937_64 engine;
  is >> engine;
  check<IoError>(!is.fail(), "load_checkpoint: {}: the generator state of {} is malformed", what, what);
  gen.engine() = engine;
}

// Each parameter's slot names ({"dense_1.kernel": ["m", "v"]}): load_checkpoint refuses a file that lost one,
// which would otherwise come back as zeros at the next step and resume silently off the uninterrupted run.
json slot_names(const Model& model) {
  json out = json::object();
  for (const auto& [name, p] : model.named_parameters())
    if (const Slots* slots = model.optimizer().slots(name))
      for (const auto& [slot, t] : *slots) out[name].push_back(slot);
  return out;
}

json optimizer_json(const Model& model) {
  if (!model.compiled()) return nullptr;
  const Optimizer& opt = model.optimizer();
  return {{"type", opt.type()},
          {"iterations", opt.iterations()},
          {"learning_rate", opt.learning_rate()},
          {"clip_value", opt.clip_value},
          {"clip_norm", opt.clip_norm},
          {"schedule", opt.schedule() ? json(opt.schedule()->type()) : json(nullptr)},
          {"slots", slot_names(model)}};
}

io::NamedTensors slot_tensors(const Model& model) {
  io::NamedTensors out;
  if (!model.compiled()) return out;
  for (const auto& [name, p] : model.named_parameters())
    if (const Slots* slots = model.optimizer().slots(name))
      for (const auto& [slot, t] : *slots) out.emplace_back(fmt::format("{}{}/{}", kSlotPrefix, name, slot), t.contiguous());
  return out;
}

// "optimizer/<param>/<slot>" tensors grouped by parameter; parameter names hold dots, never slashes.
std::map<std::string, Slots> slots_by_param(const io::NamedTensors& slots, const std::string& source) {
  std::map<std::string, Slots> by_param;
  for (const auto& [name, t] : slots) {
    const std::string rest = name.substr(kSlotPrefix.size());
    const size_t slash = rest.rfind('/');
    check<IoError>(slash != std::string::npos, "load_checkpoint: '{}': slot tensor '{}' is not optimizer/<param>/<slot>",
                   source, name);
    by_param[rest.substr(0, slash)][rest.substr(slash + 1)] = t.clone();
  }
  return by_param;
}

// Checked before anything is restored, so a checkpoint for another optimizer leaves the model untouched.
void check_optimizer_matches(const Model& model, const json& meta, const std::string& source) {
  const std::string type = meta.at("type").get<std::string>();
  check<ValueError>(model.compiled(), "load_checkpoint: '{}' holds {} optimizer state; compile the model first",
                    source, type);
  const Optimizer& opt = model.optimizer();
  check<ValueError>(opt.type() == type, "load_checkpoint: '{}' holds {} state; the model is compiled with {}", source,
                    type, opt.type());
  const std::string schedule = meta.at("schedule").is_null() ? "none" : meta.at("schedule").get<std::string>();
  const std::string current = opt.schedule() ? opt.schedule()->type() : "none";
  check<ValueError>(schedule == current,
                    "load_checkpoint: '{}' was saved with learning-rate schedule {}; the optimizer has {}", source,
                    schedule, current);
}

// A checkpoint resumes the run that wrote it: another architecture, loss, metric or optimizer setting is an error.
// Checkpoints written before these were recorded have neither record, and load as before.
void check_same_model(const Model& model, const json& meta, const std::map<std::string, std::string>& metadata,
                      const std::string& source) {
  std::string diff;
  const auto architecture = metadata.find(kModelMetadataKey);
  if (architecture != metadata.end() && has_architecture(model))
    diff = detail::architecture_difference(architecture->second, model);
  if (diff.empty() && meta.contains("compile")) diff = detail::compile_difference(meta.at("compile").dump(), model);
  check<ValueError>(diff.empty(), "load_checkpoint: '{}': {}", source, diff);
}

// A whole number in [lo, hi] from the metadata: get<int> of a JSON 1e300 or 2.5 would be undefined behaviour.
int64_t whole_number(const json& meta, const char* key, int64_t lo, int64_t hi, const std::string& source) {
  const json& v = meta.at(key);
  const bool ok = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(hi)
                                         : v.is_number_integer() && v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  check<IoError>(ok, "load_checkpoint: '{}': \"{}\" must be a whole number in [{}, {}]; got {}", source, key, lo, hi,
                 v.dump());
  return v.get<int64_t>();
}

// Every slot the writer recorded is in the file (checkpoints from before the record are taken as they are).
void check_slots_present(const json& meta, const std::map<std::string, Slots>& by_param, const std::string& source) {
  if (!meta.contains("slots")) return;
  for (const auto& [param, names] : meta.at("slots").items())
    for (const json& slot : names) {
      const auto it = by_param.find(param);
      check<IoError>(it != by_param.end() && it->second.contains(slot.get<std::string>()),
                     "load_checkpoint: '{}' lacks the optimizer slot {}{}/{} that its writer recorded", source,
                     kSlotPrefix, param, slot.get<std::string>());
    }
}

void restore_optimizer(Model& model, const json& meta, const io::NamedTensors& slots, const std::string& source) {
  Optimizer& opt = model.optimizer();
  std::map<std::string, Slots> by_param = slots_by_param(slots, source);
  check_slots_present(meta, by_param, source);
  for (const auto& [name, p] : model.named_parameters()) {
    auto it = by_param.find(name);
    for (const auto& [slot, t] : it == by_param.end() ? Slots{} : it->second)
      check<ValueError>(t.shape() == p.shape() && t.dtype() == p.dtype(),
                        "load_checkpoint: '{}': slot {}/{} is {} {}; the parameter is {} {}", source, name, slot,
                        autodiff::name(t.dtype()), t.shape(), autodiff::name(p.dtype()), p.shape());
    opt.set_slots(name, it == by_param.end() ? Slots{} : std::move(it->second));
    if (it != by_param.end()) by_param.erase(it);
  }
  check<ValueError>(by_param.empty(), "load_checkpoint: '{}' has optimizer slots for '{}', not a model parameter",
                    source, by_param.empty() ? "" : by_param.begin()->first);
  opt.set_iterations(whole_number(meta, "iterations", 0, std::numeric_limits<int64_t>::max(), source));
  if (!opt.schedule()) opt.set_learning_rate(meta.at("learning_rate").get<double>());
  opt.clip_value = meta.at("clip_value").get<double>();
  opt.clip_norm = meta.at("clip_norm").get<double>();
}

void restore_generators(Model& model, const json& rng, const std::string& source) {
  set_engine_state(model.generator(), rng.at("model").get<std::string>(), source + " (model)");
  std::map<std::string, autodiff::Generator*> gens;
  collect_generators(model, "", gens);
  const json& layers = rng.at("layers");
  for (const auto& [path, gen] : gens) {
    check<ValueError>(layers.contains(path), "load_checkpoint: '{}' has no generator state for layer '{}'", source, path);
    set_engine_state(*gen, layers.at(path).get<std::string>(), source + " (" + path + ")");
  }
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const Model& model, int epoch) {
  check<ValueError>(epoch >= 0, "save_checkpoint: epoch must be non-negative; got {}", epoch);
  std::map<std::string, autodiff::Generator*> gens;
  collect_generators(model, "", gens);
  json layers = json::object();
  for (const auto& [name, gen] : gens) layers[name] = engine_state(*gen);
  const json meta = {{"format", kCheckpointMetadataKey},
                     {"version", 1},
                     {"epoch", epoch},
                     {"optimizer", optimizer_json(model)},
                     {"compile", json::parse(compile_config(model))},
                     {"rng", {{"model", engine_state(model.generator())}, {"layers", layers}}}};
  io::NamedTensors tensors = state_tensors(model);
  for (auto& entry : slot_tensors(model)) tensors.push_back(std::move(entry));
  std::map<std::string, std::string> metadata{{kCheckpointMetadataKey, meta.dump()}};
  if (has_architecture(model)) metadata[kModelMetadataKey] = model_json(model);
  io::save_safetensors(path, tensors, metadata);
}

int load_checkpoint(const std::filesystem::path& path, Model& model) {
  const std::string source = path.string();
  const io::TensorFile file = io::load_safetensors(path);
  const auto it = file.metadata.find(kCheckpointMetadataKey);
  check<IoError>(it != file.metadata.end(), "load_checkpoint: '{}' is not a checkpoint (no '{}' in its metadata)",
                 source, kCheckpointMetadataKey);
  io::NamedTensors weights, slots;
  for (const auto& entry : file.tensors) (entry.first.starts_with(kSlotPrefix) ? slots : weights).push_back(entry);
  try {
    const json meta = json::parse(it->second);
    const json& optimizer = meta.at("optimizer");
    if (!optimizer.is_null()) check_optimizer_matches(model, optimizer, source);
    check_same_model(model, meta, file.metadata, source);
    check_finite(slots, "load_checkpoint", source);
    model.build_if_shape_known();
    assign_state(model, weights, {.strict = true}, "load_checkpoint", source);
    if (!optimizer.is_null()) restore_optimizer(model, optimizer, slots, source);
    restore_generators(model, meta.at("rng"), source);
    return static_cast<int>(whole_number(meta, "epoch", 0, std::numeric_limits<int>::max(), source));
  } catch (const json::exception& e) {
    throw IoError(fmt::format("load_checkpoint: '{}': malformed '{}' metadata: {}", source, kCheckpointMetadataKey,
                              e.what()));
  }
}

}  // namespace nn
