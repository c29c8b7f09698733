#pragma once
// A loss maps (y_true, y_pred) to a scalar Var. Built-ins are plain functions
// of autodiff ops; any callable with that signature is a custom loss, and its
// gradient comes from the tape.
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace nn {

using autodiff::Var;
using LossFn = std::function<Var(const Var& y_true, const Var& y_pred)>;

/// A named loss: Loss("mse"), Loss(nn::losses::mse), or Loss("focal", my_focal).
class Loss {
 public:
  /// An empty loss (defined() is false); calling it throws ValueError.
  Loss() = default;
  /// Looks the name up in the registry (Keras names and register_loss); unknown → ValueError listing the known ones.
  Loss(const char* name);            // NOLINT: Keras-style compile("mse", ...)
  Loss(const std::string& name);     // NOLINT
  Loss(LossFn fn, std::string name = "custom_loss");
  template <class F>
    requires std::is_invocable_r_v<Var, F, const Var&, const Var&> &&
             (!std::is_convertible_v<F, std::string>) && (!std::is_same_v<std::remove_cvref_t<F>, LossFn>)
  Loss(F fn) : Loss(LossFn(std::move(fn))) {}  // NOLINT: any callable is a loss
  Loss(std::string name, LossFn fn) : Loss(std::move(fn), std::move(name)) {}

  /// The scalar loss; throws ValueError when the result is not a scalar.
  Var operator()(const Var& y_true, const Var& y_pred) const;
  const std::string& name() const { return name_; }
  bool defined() const { return static_cast<bool>(fn_); }

 private:
  LossFn fn_;
  std::string name_;
};

/// Makes `fn` findable as Loss(name) (replacing an earlier registration), e.g. to reload a model by loss name.
void register_loss(const std::string& name, LossFn fn);
/// Whether Loss(name) would find a loss.
bool has_loss(const std::string& name);
/// Every name Loss(name) accepts, sorted.
std::vector<std::string> known_losses();

}  // namespace nn
