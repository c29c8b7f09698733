#pragma once
// The Keras summary table, shared by Model and Sequential.
#include <cstdint>
#include <string>
#include <vector>

namespace nn {

/// One row: "dense_1 (Dense)", "(None, 500)", 392500.
struct SummaryRow {
  std::string layer;
  std::string output_shape;
  int64_t params = 0;
};

/// Keras' table: title, header, rows, then "Total params", "Trainable params", "Non-trainable params".
std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows, int64_t total,
                           int64_t trainable);
/// 648010 → "648,010".
std::string with_commas(int64_t n);

}  // namespace nn
