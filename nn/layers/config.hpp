#pragma once
// A layer's constructor arguments by name, so a model can be saved as JSON and
// rebuilt without the code that built it (Keras' get_config / from_config).
// Each layer type lists its fields once in its .cpp, in a function both
// config() and its factory run (ConfigWriter and ConfigReader), so the two
// directions cannot drift apart. nn/layers/registry.hpp finds a type's factory by name.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "autodiff/shape.hpp"

namespace nn {

/// One field: null, a flag, an integer, a real, a string, or a list of integers (a shape).
using ConfigValue = std::variant<std::nullptr_t, bool, int64_t, double, std::string, std::vector<int64_t>>;

class LayerConfig {
 public:
  LayerConfig() = default;
  /// `type` names the layer in errors.
  explicit LayerConfig(std::string type) : type_(std::move(type)) {}
  void set(const std::string& key, ConfigValue value) { values_[key] = std::move(value); }
  bool has(const std::string& key) const { return values_.contains(key); }
  /// The value of `key`; ValueError naming the layer type and the key when absent.
  const ConfigValue& at(const std::string& key) const;
  const std::map<std::string, ConfigValue>& values() const { return values_; }
  const std::string& type() const { return type_; }

 private:
  std::string type_;
  std::map<std::string, ConfigValue> values_;
};

/// Writes fields into a config: visit(writer) with writer("units", units_).
struct ConfigWriter {
  LayerConfig& config;
  void operator()(const std::string& key, bool v) const { config.set(key, v); }
  void operator()(const std::string& key, int64_t v) const { config.set(key, v); }
  void operator()(const std::string& key, double v) const { config.set(key, v); }
  void operator()(const std::string& key, const std::string& v) const { config.set(key, v); }
  void operator()(const std::string& key, const std::vector<int64_t>& v) const { config.set(key, v); }
  void operator()(const std::string& key, const std::array<int64_t, 2>& v) const;
  void operator()(const std::string& key, const std::optional<autodiff::Shape>& v) const;
  void operator()(const std::string& key, const std::optional<uint64_t>& v) const;
};

/// Reads fields back: a key that is absent keeps the field's default; a value of the wrong kind is a ValueError
/// naming the layer type, the key and what was expected.
struct ConfigReader {
  const LayerConfig& config;
  void operator()(const std::string& key, bool& v) const;
  void operator()(const std::string& key, int64_t& v) const;
  void operator()(const std::string& key, double& v) const;
  void operator()(const std::string& key, std::string& v) const;
  void operator()(const std::string& key, std::vector<int64_t>& v) const;
  void operator()(const std::string& key, std::array<int64_t, 2>& v) const;
  void operator()(const std::string& key, std::optional<autodiff::Shape>& v) const;
  void operator()(const std::string& key, std::optional<uint64_t>& v) const;
  /// A required field: ValueError when absent.
  template <class T>
  T required(const std::string& key) const {
    (void)config.at(key);
    T v{};
    (*this)(key, v);
    return v;
  }
};

}  // namespace nn
