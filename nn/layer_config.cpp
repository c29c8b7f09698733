#include "nn/layer_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <mutex>

#include "nn/layers.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

const ConfigValue& LayerConfig::at(const std::string& key) const {
  const auto it = values_.find(key);
  check<ValueError>(it != values_.end(), "{}: config has no field '{}'", type_, key);
  return it->second;
}

namespace {
// Reads `key` as T when present; JSON does not tell integers that happen to be whole reals apart, so an
// integer is accepted where a real is expected.
template <class T>
void read(const LayerConfig& c, const std::string& key, T& out, const char* expected) {
  if (!c.has(key)) return;
  const ConfigValue& v = c.at(key);
  if (const T* p = std::get_if<T>(&v)) {
    out = *p;
    return;
  }
  if constexpr (std::is_same_v<T, double>)
    if (const int64_t* i = std::get_if<int64_t>(&v)) {
      out = static_cast<double>(*i);
      return;
    }
  throw ValueError(fmt::format("{}: config field '{}' must be {}", c.type(), key, expected));
}
// A model file is input from elsewhere: extents beyond this are rejected before any layer
// allocates, so a hostile file cannot ask for terabytes of weights.
constexpr int64_t kMaxExtent = int64_t{1} << 24;

void check_extent(const LayerConfig& c, const std::string& key, int64_t v) {
  check<ValueError>(v >= -kMaxExtent && v <= kMaxExtent, "{}: config field '{}' = {} exceeds the limit {}", c.type(),
                    key, v, kMaxExtent);
}
}  // namespace

void ConfigWriter::operator()(const std::string& key, const std::array<int64_t, 2>& v) const {
  config.set(key, std::vector<int64_t>(v.begin(), v.end()));
}
void ConfigWriter::operator()(const std::string& key, const std::optional<autodiff::Shape>& v) const {
  config.set(key, v ? ConfigValue(v->vec()) : ConfigValue(nullptr));
}
void ConfigWriter::operator()(const std::string& key, const std::optional<uint64_t>& v) const {
  config.set(key, v ? ConfigValue(static_cast<int64_t>(*v)) : ConfigValue(nullptr));
}

void ConfigReader::operator()(const std::string& key, bool& v) const { read(config, key, v, "true or false"); }
void ConfigReader::operator()(const std::string& key, int64_t& v) const {
  read(config, key, v, "an integer");
  check_extent(config, key, v);
}
void ConfigReader::operator()(const std::string& key, double& v) const { read(config, key, v, "a number"); }
void ConfigReader::operator()(const std::string& key, std::string& v) const { read(config, key, v, "a string"); }
void ConfigReader::operator()(const std::string& key, std::vector<int64_t>& v) const {
  read(config, key, v, "a list of integers");
  for (int64_t d : v) check_extent(config, key, d);
}
void ConfigReader::operator()(const std::string& key, std::array<int64_t, 2>& v) const {
  std::vector<int64_t> list(v.begin(), v.end());
  read(config, key, list, "a list of two integers");
  for (int64_t d : list) check_extent(config, key, d);
  check<ValueError>(list.size() == 2, "{}: config field '{}' must be a list of two integers; got {} of them",
                    config.type(), key, list.size());
  v = {list[0], list[1]};
}
void ConfigReader::operator()(const std::string& key, std::optional<autodiff::Shape>& v) const {
  if (!config.has(key) || std::holds_alternative<std::nullptr_t>(config.at(key))) return;
  std::vector<int64_t> dims;
  read(config, key, dims, "a shape (list of integers) or null");
  for (int64_t d : dims) {
    check<ValueError>(d >= 0, "{}: config field '{}' has a negative extent", config.type(), key);
    check_extent(config, key, d);
  }
  check<ValueError>(dims.size() <= size_t(autodiff::kMaxRank), "{}: config field '{}' has too many axes",
                    config.type(), key);
  v = autodiff::Shape(dims);
}
void ConfigReader::operator()(const std::string& key, std::optional<uint64_t>& v) const {
  if (!config.has(key) || std::holds_alternative<std::nullptr_t>(config.at(key))) return;
  int64_t seed = 0;
  read(config, key, seed, "an integer or null");
  v = static_cast<uint64_t>(seed);
}

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

// The built-in layers; a function-local static, so user registrations at static-initialization time are safe.
Registry& registry() {
  static Registry r{{},
                    {
                        {"Activation", Activation::from_config},
                        {"AveragePooling2D", AveragePooling2D::from_config},
                        {"BatchNormalization", BatchNormalization::from_config},
                        {"Conv2D", Conv2D::from_config},
                        {"Dense", Dense::from_config},
                        {"Dropout", Dropout::from_config},
                        {"Embedding", Embedding::from_config},
                        {"Flatten", Flatten::from_config},
                        {"GRU", GRU::from_config},
                        {"LSTM", LSTM::from_config},
                        {"MaxPooling2D", MaxPooling2D::from_config},
                        {"Reshape", Reshape::from_config},
                        {"SimpleRNN", SimpleRNN::from_config},
                    }};
  return r;
}
}  // namespace

void register_layer(const std::string& type, LayerFactory factory) {
  check<ValueError>(!type.empty() && static_cast<bool>(factory),
                    "register_layer: need a type name and a factory; got type '{}'", type);
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.factories[type] = std::move(factory);
}

std::shared_ptr<Layer> make_layer(const std::string& type, const LayerConfig& config) {
  LayerFactory factory;
  {
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.factories.find(type);
    if (it != r.factories.end()) factory = it->second;
  }
  check<ValueError>(static_cast<bool>(factory),
                    "make_layer: unknown layer type '{}' (register it with nn::register_layer); known types: {}", type,
                    fmt::join(known_layers(), ", "));
  std::shared_ptr<Layer> layer = factory(config);
  check<ValueError>(layer != nullptr, "make_layer: the factory of '{}' returned null", type);
  return layer;
}

std::vector<std::string> known_layers() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, f] : r.factories) names.push_back(name);
  return names;
}

}  // namespace nn
