#pragma once
// Activations by Keras name, shared by the Activation layer and the `activation`
// option of Dense and Conv2D. Each is a composite of autodiff ops.
#include <functional>
#include <string>
#include <vector>

#include "autodiff/var.hpp"

namespace nn {

using ActivationFn = std::function<autodiff::Var(const autodiff::Var&)>;

/// The activation called `name` ("relu", "sigmoid", ...; "" and "linear" are the identity); ValueError lists the known
/// names.
ActivationFn activation(const std::string& name);
/// The known activation names, sorted.
std::vector<std::string> activation_names();

}  // namespace nn
