#include "nn/layers/config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autodiff/error.hpp"

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

}  // namespace nn
