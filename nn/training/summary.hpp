#pragma once
// The Keras summary table, shared by Model, Sequential and functional models.
#include <cstdint>
#include <string>
#include <vector>

#include "nn/layers/functional.hpp"

namespace nn {

/// One row: "dense_1 (Dense)", "(None, 500)", 392500, and for a functional model what it reads ("input_1[0][0]").
struct SummaryRow {
  std::string layer;
  std::string output_shape;
  int64_t params = 0;
  std::vector<std::string> connected_to{};
};

/// Keras' table: title, header, rows, then "Total params", "Trainable params", "Non-trainable params"; with a
/// "Connected to" column (Keras' functional layout) when `connections` is set.
std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows, int64_t total,
                           int64_t trainable, bool connections = false);
/// [500] → "(None, 500)".
std::string shape_text(const autodiff::Shape& per_sample);
/// A functional model's rows: each input, then each layer once with its output shape ("multiple" for a layer
/// called more than once) and every tensor its calls read, as Keras writes them: "dense_1[0][0]" is the first
/// output of dense_1's first call.
std::vector<SummaryRow> functional_rows(const Functional& model);
/// 648010 → "648,010".
std::string with_commas(int64_t n);

}  // namespace nn
