#include "nn/io/weights.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <set>


namespace nn {

using autodiff::check;

std::string LoadReport::str() const {
  std::string out;
  for (const auto& name : missing) out += fmt::format("  missing (in the model, not the file): {}\n", name);
  for (const auto& name : unexpected) out += fmt::format("  unexpected (in the file, not the model): {}\n", name);
  for (const auto& line : mismatched) out += fmt::format("  mismatched: {}\n", line);
  return out;
}

io::NamedTensors state_tensors(const Module& module) {
  io::NamedTensors out;
  for (const auto& [name, v] : module.named_state()) out.emplace_back(name, v.value().contiguous());
  return out;
}

void save_weights(const std::filesystem::path& path, const Module& module) {
  io::save_safetensors(path, state_tensors(module), {{"format", "wengert.weights"}});
}

namespace {
// What differs between a file's tensor and the model's, or "" when it fits.
std::string difference(const std::string& name, const Tensor& file, const Var& model) {
  std::vector<std::string> parts;
  if (file.shape() != model.shape()) parts.push_back(fmt::format("shape {} in the file, {} in the model", file.shape(),
                                                                 model.shape()));
  if (file.dtype() != model.dtype())
    parts.push_back(fmt::format("dtype {} in the file, {} in the model", autodiff::name(file.dtype()),
                                autodiff::name(model.dtype())));
  return parts.empty() ? "" : fmt::format("{}: {}", name, fmt::join(parts, "; "));
}

LoadReport compare(const NamedParams& state, const io::NamedTensors& tensors) {
  std::map<std::string, const Tensor*> in_file;
  for (const auto& [name, t] : tensors) in_file.emplace(name, &t);
  LoadReport report;
  std::set<std::string> in_model;
  for (const auto& [name, v] : state) {
    in_model.insert(name);
    const auto it = in_file.find(name);
    if (it == in_file.end()) {
      report.missing.push_back(name);
    } else if (std::string diff = difference(name, *it->second, v); !diff.empty()) {
      report.mismatched.push_back(std::move(diff));
    } else {
      report.loaded.push_back(name);
    }
  }
  for (const auto& [name, t] : tensors)
    if (!in_model.contains(name)) report.unexpected.push_back(name);
  return report;
}
}  // namespace

void check_finite(const io::NamedTensors& tensors, const std::string& what, const std::string& source) {
  for (const auto& [name, t] : tensors) {
    const Tensor c = t.contiguous();
    int64_t bad = -1;
    double value = 0;
    autodiff::dispatch(c.dtype(), [&]<class T>(T) {
      const T* p = c.data<T>();
      for (int64_t i = 0; i < c.numel() && bad < 0; ++i)
        if (!std::isfinite(p[i])) bad = i, value = static_cast<double>(p[i]);
    });
    if (bad < 0) continue;
    // The flat index and the index per axis ([1, 2] of a [3, 4] kernel), as people look for it.
    std::vector<int64_t> index(static_cast<size_t>(c.rank()));
    for (int64_t axis = c.rank() - 1, rest = bad; axis >= 0; rest /= c.size(axis), --axis)
      index[static_cast<size_t>(axis)] = rest % c.size(axis);
    throw autodiff::ValueError(fmt::format("{}: '{}': tensor \"{}\" holds {} at element {} (index [{}]); got shape {}",
                                           what, source, name, value, bad, fmt::join(index, ", "), c.shape()));
  }
}

LoadReport assign_state(Module& module, const io::NamedTensors& tensors, const LoadOptions& options,
                        const std::string& what, const std::string& source) {
  check_finite(tensors, what, source);
  const NamedParams state = module.named_state();
  LoadReport report = compare(state, tensors);
  if (options.strict && !report.complete()) {
    const std::string hint = state.empty() ? " (the model has no parameters yet: give its first layer an input_shape "
                                             "or call build(input_shape) before loading)"
                                           : "";
    throw autodiff::ValueError(fmt::format("{}: '{}' does not match the model{}; {} mismatches:\n{}", what, source,
                                           hint,
                                           report.missing.size() + report.unexpected.size() + report.mismatched.size(),
                                           report.str()));
  }
  std::map<std::string, const Tensor*> in_file;
  for (const auto& [name, t] : tensors) in_file.emplace(name, &t);
  const std::set<std::string> loaded(report.loaded.begin(), report.loaded.end());
  // A clone, so that the model never shares storage with what the caller keeps of the file.
  for (const auto& [name, v] : state)
    if (loaded.contains(name)) v.set_value(in_file.at(name)->clone());
  return report;
}

LoadReport load_weights(const std::filesystem::path& path, Module& module, LoadOptions options) {
  module.build_if_shape_known();
  const io::TensorFile file = io::load_safetensors(path);
  return assign_state(module, file.tensors, options, "load_weights", path.string());
}

}  // namespace nn
