#include "nn/training/summary.hpp"

#include <fmt/format.h>

#include <map>

namespace nn {
namespace {
// Keras' column stops: a 65-character line for a stack, 98 with "Connected to" for a functional model.
struct Columns {
  int name, shape, params, width;
};
constexpr Columns kStack{29, 26, 0, 65}, kGraph{32, 22, 12, 98};

// A field padded to its column, and always one space before the next (a long layer name pushes the row right
// rather than running into the shape).
std::string cell(const std::string& text, int width) {
  return text.size() < size_t(width) ? fmt::format("{:<{}}", text, width) : text + " ";
}

std::string row(const Columns& c, const std::string& a, const std::string& b, const std::string& p,
                const std::string& to = "") {
  std::string s = " " + cell(a, c.name - 1) + cell(b, c.shape) + (c.params == 0 ? p : cell(p, c.params) + to);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s + "\n";
}

// Keras' "['dense_1[0][0]', 'input_1[0][0]']".
std::string connections_text(const std::vector<std::string>& names) {
  std::string s = "[";
  for (size_t i = 0; i < names.size(); ++i) s += fmt::format("{}'{}'", i ? ", " : "", names[i]);
  return s + "]";
}
}  // namespace

std::string shape_text(const autodiff::Shape& per_sample) {
  std::string s = "(None";
  for (int64_t d : per_sample) s += fmt::format(", {}", d);
  return s + ")";
}

std::vector<SummaryRow> functional_rows(const Functional& model) {
  std::map<const LayerCall*, size_t> node;  // which call of its layer each call is
  std::map<const Layer*, std::vector<const LayerCall*>> calls_of;
  for (const auto& call : model.calls())
    if (call->layer) {
      node[call.get()] = calls_of[call->layer.get()].size();
      calls_of[call->layer.get()].push_back(call.get());
    }
  std::vector<SummaryRow> rows;
  for (const SymbolicTensor& x : model.inputs())
    rows.push_back({fmt::format("{} (InputLayer)", x.call()->input_name), fmt::format("[{}]", shape_text(x.shape())), 0});
  for (const auto& layer : model.layers()) {
    const auto& calls = calls_of.at(layer.get());
    const auto& shapes = calls[0]->output_shapes;
    SummaryRow r{fmt::format("{} ({})", layer->name(), layer->type()),
                 calls.size() > 1 || shapes.size() > 1 ? "multiple" : shape_text(shapes[0]), layer->count_params()};
    for (const LayerCall* call : calls)
      for (const SymbolicTensor& in : call->inputs) {
        const LayerCall& from = *in.call();
        r.connected_to.push_back(fmt::format("{}[{}][{}]", from.layer ? from.layer->name() : from.input_name,
                                             from.layer ? node.at(&from) : 0, in.index()));
      }
    rows.push_back(std::move(r));
  }
  return rows;
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_summary(const std::string& model_name, const std::vector<SummaryRow>& rows, int64_t total,
                           int64_t trainable, bool connections) {
  const Columns& c = connections ? kGraph : kStack;
  const std::string rule(size_t(c.width), '_'), double_rule(size_t(c.width), '=');
  std::string s = fmt::format("Model: \"{}\"\n{}\n", model_name, rule);
  s += row(c, "Layer (type)", "Output Shape", "Param #", "Connected to") + double_rule + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) s += "\n";
    s += row(c, rows[i].layer, rows[i].output_shape, std::to_string(rows[i].params),
             connections ? connections_text(rows[i].connected_to) : "");
  }
  s += double_rule + "\n";
  s += fmt::format("Total params: {}\nTrainable params: {}\nNon-trainable params: {}\n{}\n", with_commas(total),
                   with_commas(trainable), with_commas(total - trainable), rule);
  return s;
}

}  // namespace nn
