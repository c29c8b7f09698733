#pragma once
// Shared by the MNIST examples: flags and data loading.
#include <fmt/core.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "autodiff/autodiff.hpp"
#include "nn/data/mnist.hpp"
#include "nn/data/tensors.hpp"

namespace examples {

/// --name value flags with defaults; --help prints them.
class Flags {
 public:
  Flags(int argc, char** argv, std::map<std::string, std::string> defaults) : values_(std::move(defaults)) {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        fmt::print("flags (default):\n");
        for (const auto& [k, v] : values_) fmt::print("  --{} ({})\n", k, v.empty() ? "none" : v);
        std::exit(0);
      }
      if (arg.rfind("--", 0) != 0 || i + 1 >= argc || !values_.contains(arg.substr(2)))
        throw std::invalid_argument("unknown flag or missing value: " + arg + " (try --help)");
      values_[arg.substr(2)] = argv[++i];
    }
  }
  std::string str(const std::string& k) const { return values_.at(k); }
  int64_t integer(const std::string& k) const { return std::stoll(values_.at(k)); }
  double real(const std::string& k) const { return std::stod(values_.at(k)); }
  std::optional<std::string> optional(const std::string& k) const {
    const std::string& v = values_.at(k);
    return v.empty() ? std::nullopt : std::optional(v);
  }

 private:
  std::map<std::string, std::string> values_;
};

/// MNIST from --data (or the usual places), or Fashion-MNIST when fashion is set;
/// --limit N keeps the first N training samples.
inline nn::data::Mnist load(const Flags& flags, bool fashion = false) {
  nn::data::Mnist d;
  if (fashion) {
    const auto dir = flags.optional("data");
    d = dir ? nn::data::load_fashion_mnist(*dir) : nn::data::load_fashion_mnist();
  } else {
    const auto dir = flags.optional("data");
    d = nn::data::load_mnist(nn::data::find_mnist_dir(dir ? std::optional<std::filesystem::path>(*dir) : std::nullopt));
  }
  if (const int64_t limit = flags.integer("limit"); limit > 0) d.train = nn::data::head(d.train, limit);
  return d;
}

}  // namespace examples
