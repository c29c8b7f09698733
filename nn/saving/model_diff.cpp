#include "nn/saving/model_diff.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "nn/saving/model_io.hpp"

namespace nn::detail {
namespace {

using nlohmann::json;

// A field's value as JSON text, or "(none)" when the object does not have it.
std::string shown(const json& object, const std::string& key) {
  return object.contains(key) ? object.at(key).dump() : "(none)";
}

// The first key (in sorted order, skipping `ignored`) whose value differs between two objects.
std::string first_different_key(const json& a, const json& b, const std::set<std::string>& ignored = {}) {
  std::set<std::string> keys;
  for (const auto& [key, v] : a.items()) keys.insert(key);
  for (const auto& [key, v] : b.items()) keys.insert(key);
  for (const std::string& key : keys)
    if (!ignored.contains(key) && shown(a, key) != shown(b, key)) return key;
  return "";
}

std::string names(const json& layers) {
  std::string out;
  for (const json& l : layers) out += (out.empty() ? "" : ", ") + l.value("name", std::string("?"));
  return out;
}

std::string layer_difference(const json& saved, const json& current) {
  const std::string name = saved.value("name", std::string("?"));
  for (const char* field : {"name", "type"})
    if (shown(saved, field) != shown(current, field))
      return fmt::format("the checkpoint's layer {} is a {} named {}, the model's a {} named {}", name,
                         shown(saved, "type"), shown(saved, "name"), shown(current, "type"), shown(current, "name"));
  if (shown(saved, "dtype") != shown(current, "dtype"))
    return fmt::format("the checkpoint's layer {} is {}, the model's {}", name, shown(saved, "dtype"),
                       shown(current, "dtype"));
  const json& a = saved.at("config");
  const json& b = current.at("config");
  if (const std::string key = first_different_key(a, b); !key.empty())
    return fmt::format("the checkpoint's layer {} has {} {}, the model's {}", name, key, shown(a, key), shown(b, key));
  return "";
}

}  // namespace

std::string architecture_difference(const std::string& recorded, const Model& model) {
  const json saved = json::parse(recorded), current = json::parse(model_json(model));
  const json& a = saved.at("layers");
  const json& b = current.at("layers");
  if (a.size() != b.size())
    return fmt::format("the checkpoint has {} layers ({}), the model {} ({})", a.size(), names(a), b.size(), names(b));
  for (size_t i = 0; i < a.size(); ++i)
    if (std::string diff = layer_difference(a.at(i), b.at(i)); !diff.empty()) return diff;
  // A model not built yet takes its input shape from the data; any other shape is a difference.
  // A functional model's calls: the same layers wired differently is a different model.
  if (saved.contains("calls") != current.contains("calls") ||
      (saved.contains("calls") && (saved.at("calls") != current.at("calls") || saved.at("outputs") != current.at("outputs"))))
    return "the checkpoint's layers are connected differently";
  const json& shape_a = saved.at("input_shape");
  const json& shape_b = current.at("input_shape");
  if (!shape_a.is_null() && !shape_b.is_null() && shape_a != shape_b)
    return fmt::format("the checkpoint's input shape is {}, the model's {}", shape_a.dump(), shape_b.dump());
  return "";
}

std::string compile_difference(const std::string& recorded, const Model& model) {
  const json saved = json::parse(recorded), current = json::parse(compile_config(model));
  if (saved.is_null() || current.is_null()) return "";
  if (saved.at("loss") != current.at("loss"))
    return fmt::format("the checkpoint's loss is {}, the model's {}", saved.at("loss").dump(), current.at("loss").dump());
  if (saved.at("metrics") != current.at("metrics"))
    return fmt::format("the checkpoint's metrics are {}, the model's {}", saved.at("metrics").dump(),
                       current.at("metrics").dump());
  const json& a = saved.at("optimizer");
  const json& b = current.at("optimizer");
  if (a.at("type") != b.at("type"))
    return fmt::format("the checkpoint's optimizer is {}, the model's {}", a.at("type").dump(), b.at("type").dump());
  // The learning rate and clipping are restored from the checkpoint: a model compiled with other values is fine.
  const std::string type = a.at("type").get<std::string>();
  if (const std::string key = first_different_key(a.at("config"), b.at("config"), {"lr", "clip_value", "clip_norm"});
      !key.empty())
    return fmt::format("the checkpoint's optimizer {} has {} {}, the model's {}", type, key, shown(a.at("config"), key),
                       shown(b.at("config"), key));
  if (shown(a, "schedule") != shown(b, "schedule"))
    return fmt::format("the checkpoint's learning-rate schedule is {}, the model's {}", shown(a, "schedule"),
                       shown(b, "schedule"));
  return "";
}

}  // namespace nn::detail
