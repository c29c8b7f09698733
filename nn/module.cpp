#include "nn/module.hpp"

namespace nn {

std::vector<Var> Module::forward_many(const std::vector<Var>& inputs) {
  autodiff::check<autodiff::ValueError>(inputs.size() == 1, "forward: the module takes one input; got {}",
                                        inputs.size());
  return {forward(inputs[0])};
}

void Module::collect(const std::string& prefix, bool trainable, NamedParams& out) const {
  for (const auto& [name, v] : trainable ? params_ : buffers_) out.emplace_back(prefix + name, v);
  for (const auto& [name, child] : children_)
    child->collect(name.empty() ? prefix : prefix + name + ".", trainable, out);
}

NamedParams Module::named_parameters() const {
  NamedParams out;
  collect("", true, out);
  return out;
}

std::vector<Var> Module::parameters() const {
  std::vector<Var> out;
  for (auto& [name, v] : named_parameters()) out.push_back(v);
  return out;
}

NamedParams Module::named_buffers() const {
  NamedParams out;
  collect("", false, out);
  return out;
}

NamedParams Module::named_state() const {
  NamedParams out = named_parameters();
  for (auto& entry : named_buffers()) out.push_back(std::move(entry));
  return out;
}

int64_t Module::count_params() const {
  int64_t n = 0;
  for (const auto& [name, v] : named_state()) n += v.numel();
  return n;
}

int64_t Module::count_trainable_params() const {
  int64_t n = 0;
  for (const auto& [name, v] : named_parameters()) n += v.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (const auto& [name, v] : named_state()) v.zero_grad();
}

void Module::name_parameters(const std::string& prefix) const {
  const std::string dot = prefix.empty() ? "" : prefix + ".";
  for (const auto& [name, v] : named_state()) v.set_name(dot + name);
}

Var Module::register_parameter(const std::string& name, const Tensor& value, bool trainable) {
  autodiff::check<autodiff::ValueError>(!name.empty() && name.find('.') == std::string::npos,
                                        "Module: a parameter name must be non-empty without '.'; got '{}'", name);
  for (const auto* list : {&params_, &buffers_})
    for (const auto& entry : *list)
      autodiff::check<autodiff::ValueError>(entry.first != name, "Module: parameter '{}' is registered twice", name);
  Var v(value, trainable);
  v.set_name(name);
  (trainable ? params_ : buffers_).emplace_back(name, v);
  return v;
}

void Module::register_module(const std::string& name, std::shared_ptr<Module> child) {
  autodiff::check<autodiff::ValueError>(child != nullptr, "Module: child '{}' is null", name);
  for (const auto& entry : children_)
    autodiff::check<autodiff::ValueError>(name.empty() || entry.first != name, "Module: child '{}' is registered twice",
                                          name);
  child->name_parameters(name);
  children_.emplace_back(name, std::move(child));
}

const Var& Module::parameter(const std::string& name) const {
  for (const auto* list : {&params_, &buffers_})
    for (const auto& [n, v] : *list)
      if (n == name) return v;
  throw autodiff::IndexError(fmt::format("Module: no parameter '{}'", name));
}

bool Module::has_parameter(const std::string& name) const {
  for (const auto* list : {&params_, &buffers_})
    for (const auto& [n, v] : *list)
      if (n == name) return true;
  return false;
}

Var* Module::find_slot(const std::string& full_name) {
  for (auto* list : {&params_, &buffers_})
    for (auto& [n, v] : *list)
      if (n == full_name) return &v;
  for (auto& [name, child] : children_) {
    if (name.empty()) {
      if (Var* slot = child->find_slot(full_name)) return slot;
    } else if (full_name.starts_with(name + ".")) {
      if (Var* slot = child->find_slot(full_name.substr(name.size() + 1))) return slot;
    }
  }
  return nullptr;
}

Var Module::functional_call(const NamedParams& substitutes, const Var& x) {
  return with_parameters(substitutes, [&] { return forward(x); });
}

Var Module::with_parameters(const NamedParams& substitutes, const std::function<Var()>& run) {
  std::vector<std::pair<Var*, Var>> saved;
  auto restore = [&] {
    for (auto it = saved.rbegin(); it != saved.rend(); ++it) *it->first = it->second;
  };
  for (const auto& [name, v] : substitutes) {
    Var* slot = find_slot(name);
    if (!slot) restore();
    autodiff::check<autodiff::IndexError>(slot != nullptr, "functional_call: no parameter '{}'", name);
    if (slot->shape() != v.shape() || slot->dtype() != v.dtype()) restore();
    autodiff::check<autodiff::ShapeError>(slot->shape() == v.shape() && slot->dtype() == v.dtype(),
                                          "functional_call: '{}' is {} {}; got {} {}", name, slot->shape(),
                                          slot->dtype(), v.shape(), v.dtype());
    saved.emplace_back(slot, *slot);
    *slot = v;
  }
  try {
    Var y = run();
    restore();
    return y;
  } catch (...) {
    restore();
    throw;
  }
}

}  // namespace nn
