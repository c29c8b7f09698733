#include "nn/training/summary.hpp"

#include <fmt/format.h>

namespace nn {
namespace {
// Keras' column stops for a 65-character line.
constexpr int kName = 29, kShape = 26, kWidth = 65;

std::string row(const std::string& a, const std::string& b, const std::string& c) {
  std::string s = fmt::format(" {:<{}}{:<{}}{}", a, kName - 1, b, kShape, c);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s + "\n";
}
}  // namespace

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows, int64_t total,
                           int64_t trainable) {
  const std::string rule(kWidth, '_'), double_rule(kWidth, '=');
  std::string s = fmt::format("Model: \"{}\"\n{}\n", model_name, rule);
  s += row("Layer (type)", "Output Shape", "Param #") + double_rule + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) s += "\n";
    s += row(rows[i].layer, rows[i].output_shape, std::to_string(rows[i].params));
  }
  s += double_rule + "\n";
  s += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n{}\n", with_commas(total),
                   with_commas(trainable), with_commas(total - trainable), rule);
  return s;
}

}  // namespace nn
