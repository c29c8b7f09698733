#pragma once
// History: what fit returns, Keras' History.history — metric name → one value per epoch.
#include <map>
#include <string>
#include <vector>

#include "autodiff/error.hpp"

namespace nn {

struct History {
  /// "loss", "accuracy", "val_loss", "val_accuracy", ... → per-epoch values.
  std::map<std::string, std::vector<double>> history;
  /// The epochs run (0-based).
  std::vector<int> epoch;

  /// The values of one key; IndexError naming the known keys when absent.
  const std::vector<double>& at(const std::string& key) const {
    const auto it = history.find(key);
    if (it == history.end()) {
      std::string known;
      for (const auto& [k, v] : history) known += (known.empty() ? "" : ", ") + k;
      throw autodiff::IndexError(fmt::format("History: no key '{}'; got {}", key, known));
    }
    return it->second;
  }
  const std::vector<double>& operator[](const std::string& key) const { return at(key); }
  bool contains(const std::string& key) const { return history.contains(key); }
};

}  // namespace nn
