#include "nn/losses/loss.hpp"

#include <fmt/ranges.h>

#include <map>
#include <mutex>

#include "nn/losses/functions.hpp"

namespace nn {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, LossFn> losses;
};

// Built-ins under their Keras names and aliases; a function-local static, so no
// static-initialization order issue with user registrations.
Registry& registry() {
  static Registry r{{},
                    {
                        {"mse", losses::mse},
                        {"mean_squared_error", losses::mse},
                        {"mae", losses::mae},
                        {"mean_absolute_error", losses::mae},
                        {"categorical_crossentropy", losses::categorical_crossentropy},
                        {"categorical_crossentropy_from_logits", losses::categorical_crossentropy_from_logits},
                        {"sparse_categorical_crossentropy", losses::sparse_categorical_crossentropy},
                        {"sparse_categorical_crossentropy_from_logits",
                         losses::sparse_categorical_crossentropy_from_logits},
                        {"binary_crossentropy", losses::binary_crossentropy},
                        {"binary_crossentropy_from_logits", losses::binary_crossentropy_from_logits},
                        {"huber", [](const Var& t, const Var& p) { return losses::huber(t, p); }},
                        {"huber_loss", [](const Var& t, const Var& p) { return losses::huber(t, p); }},
                    }};
  return r;
}

LossFn lookup(const std::string& name) {
  {
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.losses.find(name);
    if (it != r.losses.end()) return it->second;
  }
  throw autodiff::ValueError(
      fmt::format("Loss: unknown loss \"{}\"; known losses: {}", name, fmt::join(known_losses(), ", ")));
}

}  // namespace

Loss::Loss(const char* name) : Loss(std::string(name)) {}

Loss::Loss(const std::string& name) : fn_(lookup(name)), name_(name) {}

Loss::Loss(LossFn fn, std::string name) : fn_(std::move(fn)), name_(std::move(name)) {
  autodiff::check<autodiff::ValueError>(static_cast<bool>(fn_), "Loss: empty function for loss \"{}\"", name_);
}

Var Loss::operator()(const Var& y_true, const Var& y_pred) const {
  autodiff::check<autodiff::ValueError>(defined(), "Loss: no loss function set; got an empty Loss");
  Var out = fn_(y_true, y_pred);
  autodiff::check<autodiff::ValueError>(out.numel() == 1, "Loss: loss \"{}\" must return a scalar; got {}", name_,
                                        out.shape());
  return out;
}

void register_loss(const std::string& name, LossFn fn) {
  autodiff::check<autodiff::ValueError>(!name.empty() && static_cast<bool>(fn),
                                        "register_loss: need a name and a function; got name \"{}\"", name);
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.losses[name] = std::move(fn);
}

bool has_loss(const std::string& name) {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  return r.losses.contains(name);
}

std::vector<std::string> known_losses() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, fn] : r.losses) names.push_back(name);
  return names;
}

}  // namespace nn
