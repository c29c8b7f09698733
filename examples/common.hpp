#pragma once
// Shared by the MNIST examples: flags, data loading, and saving, loading and resuming training.
#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "autodiff/autodiff.hpp"
#include "nn/data/mnist.hpp"
#include "nn/data/tensors.hpp"
#include "nn/io/checkpoint.hpp"

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

/// The example's own flags plus --save PATH, --load PATH and --checkpoint-dir DIR (see persist_before/after).
inline std::map<std::string, std::string> with_persistence(std::map<std::string, std::string> defaults) {
  defaults.insert({{"save", ""}, {"load", ""}, {"checkpoint-dir", ""}});
  return defaults;
}

/// Before fit: --load starts from saved weights; --checkpoint-dir DIR checkpoints every epoch to
/// DIR/last.safetensors and, when that file exists, resumes from it (options.initial_epoch).
inline void persist_before(const Flags& flags, nn::Model& model, nn::FitOptions& options) {
  if (const auto path = flags.optional("load")) {
    model.load_weights(*path);
    fmt::print("Loaded weights from {}\n", *path);
  }
  const auto dir = flags.optional("checkpoint-dir");
  if (!dir) return;
  std::filesystem::create_directories(*dir);
  const std::filesystem::path last = std::filesystem::path(*dir) / "last.safetensors";
  if (std::filesystem::exists(last)) {
    options.initial_epoch = nn::load_checkpoint(last, model);
    fmt::print("Resuming from {} after epoch {}\n", last.string(), options.initial_epoch);
  }
  options.callbacks.push_back(nn::callbacks::ModelCheckpoint(last.string()));
}

/// After fit: --save writes the weights (safetensors).
inline void persist_after(const Flags& flags, const nn::Model& model) {
  if (const auto path = flags.optional("save")) {
    model.save_weights(*path);
    fmt::print("Saved weights to {}\n", *path);
  }
}

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

/// Applies --threads and --seed (before the model is built, so its initial weights follow the seed).
inline void setup(const Flags& flags) {
  autodiff::set_num_threads(static_cast<int>(flags.integer("threads")));
  autodiff::manual_seed(static_cast<uint64_t>(flags.integer("seed")));
}

/// Trains on the training split shaped per sample as `per_sample`, validating on the test split;
/// honours --epochs, --batch-size, --save, --load and --checkpoint-dir; ends with "Test accuracy: …".
inline void train_and_report(const Flags& flags, nn::Model& model, const nn::data::Mnist& data,
                             const autodiff::Shape& per_sample) {
  const autodiff::Tensor x_test = nn::data::images(data.test, per_sample);
  const autodiff::Tensor y_test = nn::data::one_hot_labels(data.test);
  nn::FitOptions options{.batch_size = flags.integer("batch-size"),
                         .epochs = static_cast<int>(flags.integer("epochs")),
                         .validation_data = std::pair{x_test, y_test}};
  persist_before(flags, model, options);
  model.fit(nn::data::images(data.train, per_sample), nn::data::one_hot_labels(data.train), options);
  persist_after(flags, model);
  const auto logs = model.evaluate(x_test, y_test, 128);
  fmt::print("Test loss: {:.4f}\nTest accuracy: {:.4f}\n", logs.at("loss"), logs.at("accuracy"));
}

/// Runs an example's body; an error prints "<name>: <what>" and exits with 1.
template <class Body>
int guarded(const char* name, Body body) {
  try {
    body();
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 1;
  }
}

}  // namespace examples
