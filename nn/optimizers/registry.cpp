#include "nn/optimizers/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <vector>

#include "nn/optimizers/adadelta.hpp"
#include "nn/optimizers/adagrad.hpp"
#include "nn/optimizers/adam.hpp"
#include "nn/optimizers/rmsprop.hpp"
#include "nn/optimizers/sgd.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

namespace {
// Each optimizer's options fields, listed once for both directions.
template <class O>
void fields(const std::function<void(const char*, double&)>& f, O& o) {
  f("lr", o.lr);
  if constexpr (requires { o.momentum; }) f("momentum", o.momentum);
  if constexpr (requires { o.beta_1; }) f("beta_1", o.beta_1), f("beta_2", o.beta_2);
  if constexpr (requires { o.rho; }) f("rho", o.rho);
  if constexpr (requires { o.initial_accumulator_value; })
    f("initial_accumulator_value", o.initial_accumulator_value);
  if constexpr (requires { o.epsilon; }) f("epsilon", o.epsilon);
  f("weight_decay", o.weight_decay);
}

// Flags (nesterov, amsgrad, centered) as 0/1 beside the real-valued fields.
template <class O>
void flags(const std::function<void(const char*, bool&)>& f, O& o) {
  if constexpr (requires { o.nesterov; }) f("nesterov", o.nesterov);
  if constexpr (requires { o.amsgrad; }) f("amsgrad", o.amsgrad);
  if constexpr (requires { o.centered; }) f("centered", o.centered);
}

template <class O>
OptimizerConfig write(O o) {
  OptimizerConfig c;
  fields<O>([&](const char* k, double& v) { c[k] = v; }, o);
  flags<O>([&](const char* k, bool& v) { c[k] = v ? 1.0 : 0.0; }, o);
  return c;
}

template <class O>
O read(const std::string& type, const OptimizerConfig& c) {
  O o;
  std::vector<std::string> known;
  fields<O>([&](const char* k, double& v) { known.push_back(k); if (c.contains(k)) v = c.at(k); }, o);
  flags<O>([&](const char* k, bool& v) { known.push_back(k); if (c.contains(k)) v = c.at(k) != 0; }, o);
  for (const auto& [key, v] : c)
    check<ValueError>(std::find(known.begin(), known.end(), key) != known.end(),
                      "optimizer_from_config: {} has no hyperparameter '{}'; known: {}", type, key,
                      fmt::join(known, ", "));
  return o;
}
}  // namespace

namespace {
OptimizerConfig hyperparameters(const Optimizer& optimizer) {
  // AdamW before Adam: it derives from Adam.
  if (const auto* o = dynamic_cast<const AdamW*>(&optimizer)) {
    const AdamOptions a = o->options();
    return write(AdamWOptions{.lr = a.lr, .weight_decay = o->weight_decay(), .beta_1 = a.beta_1,
                              .beta_2 = a.beta_2, .epsilon = a.epsilon, .amsgrad = a.amsgrad});
  }
  if (const auto* o = dynamic_cast<const Adam*>(&optimizer)) return write(o->options());
  if (const auto* o = dynamic_cast<const SGD*>(&optimizer)) return write(o->options());
  if (const auto* o = dynamic_cast<const RMSprop*>(&optimizer)) return write(o->options());
  if (const auto* o = dynamic_cast<const Adagrad*>(&optimizer)) return write(o->options());
  if (const auto* o = dynamic_cast<const Adadelta*>(&optimizer)) return write(o->options());
  throw ValueError(fmt::format("optimizer_config: cannot save optimizer '{}'; known: {}", optimizer.type(),
                               fmt::join(known_optimizers(), ", ")));
}

std::shared_ptr<Optimizer> from_options(const std::string& type, const OptimizerConfig& c) {
  if (type == "SGD") return std::make_shared<SGD>(read<SGDOptions>(type, c));
  if (type == "Adam") return std::make_shared<Adam>(read<AdamOptions>(type, c));
  if (type == "AdamW") return std::make_shared<AdamW>(read<AdamWOptions>(type, c));
  if (type == "RMSprop") return std::make_shared<RMSprop>(read<RMSpropOptions>(type, c));
  if (type == "Adagrad") return std::make_shared<Adagrad>(read<AdagradOptions>(type, c));
  if (type == "Adadelta") return std::make_shared<Adadelta>(read<AdadeltaOptions>(type, c));
  throw ValueError(fmt::format("optimizer_from_config: unknown optimizer type '{}'; known: {}", type,
                               fmt::join(known_optimizers(), ", ")));
}

// Gradient clipping belongs to every optimizer (Keras' clipvalue and global_clipnorm sit in its config too).
constexpr const char* kClipKeys[] = {"clip_value", "clip_norm"};
}  // namespace

OptimizerConfig optimizer_config(const Optimizer& optimizer) {
  OptimizerConfig c = hyperparameters(optimizer);
  c["clip_value"] = optimizer.clip_value;
  c["clip_norm"] = optimizer.clip_norm;
  return c;
}

std::shared_ptr<Optimizer> optimizer_from_config(const std::string& type, const OptimizerConfig& config) {
  OptimizerConfig options = config;
  for (const char* key : kClipKeys) options.erase(key);
  std::shared_ptr<Optimizer> o = from_options(type, options);
  // Files written before clipping was saved have neither key: no clipping, as then.
  o->clip_value = config.contains("clip_value") ? config.at("clip_value") : 0.0;
  o->clip_norm = config.contains("clip_norm") ? config.at("clip_norm") : 0.0;
  return o;
}

std::vector<std::string> known_optimizers() { return {"Adadelta", "Adagrad", "Adam", "AdamW", "RMSprop", "SGD"}; }

std::shared_ptr<Optimizer> make_optimizer(const std::string& name) {
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return s;
  };
  for (const std::string& type : known_optimizers())
    if (name == type || name == lower(type)) return from_options(type, {});
  throw ValueError(fmt::format("make_optimizer: unknown optimizer \"{}\"; known: sgd, adam, adamw, rmsprop, adagrad, "
                               "adadelta", name));
}

}  // namespace nn
