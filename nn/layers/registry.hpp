#pragma once
// Layer types by name, so load_model can rebuild a model from its file: the built-in layers and what
// register_layer adds.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nn/layers/layer.hpp"

namespace nn {

using LayerFactory = std::function<std::shared_ptr<Layer>(const LayerConfig& config)>;

/// Makes `type` rebuildable by load_model (replacing an earlier registration); built-in types are registered already.
void register_layer(const std::string& type, LayerFactory factory);
/// A new layer of this type from its config; unknown → ValueError naming it and listing the known types.
std::shared_ptr<Layer> make_layer(const std::string& type, const LayerConfig& config);
/// Every type make_layer accepts, sorted.
std::vector<std::string> known_layers();

}  // namespace nn
