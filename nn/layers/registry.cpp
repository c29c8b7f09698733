#include "nn/layers/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <mutex>

#include "nn/layers/activation.hpp"
#include "nn/layers/batch_norm.hpp"
#include "nn/layers/bidirectional.hpp"
#include "nn/layers/conv.hpp"
#include "nn/layers/conv1d.hpp"
#include "nn/layers/dense.hpp"
#include "nn/layers/dropout.hpp"
#include "nn/layers/embedding.hpp"
#include "nn/layers/global_pooling.hpp"
#include "nn/layers/pooling.hpp"
#include "nn/layers/position_embedding.hpp"
#include "nn/layers/gru.hpp"
#include "nn/layers/layer_norm.hpp"
#include "nn/layers/lstm.hpp"
#include "nn/layers/merge.hpp"
#include "nn/layers/multi_head_attention.hpp"
#include "nn/layers/reshape.hpp"
#include "nn/layers/simple_rnn.hpp"

namespace nn {

using autodiff::check;
using autodiff::ValueError;

namespace {
// The layers without arguments (the merges).
template <class L>
std::shared_ptr<Layer> without_config(const LayerConfig&) {
  return std::make_shared<L>();
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, LayerFactory> factories;
};

// The built-in layers; a function-local static, so user registrations at static-initialization time are safe.
Registry& registry() {
  static Registry r{{},
                    {
                        {"Activation", Activation::from_config},
                        {"Add", without_config<Add>},
                        {"Average", without_config<Average>},
                        {"AveragePooling2D", AveragePooling2D::from_config},
                        {"BatchNormalization", BatchNormalization::from_config},
                        {"Concatenate", Concatenate::from_config},
                        {"Bidirectional", Bidirectional::from_config},
                        {"Conv1D", Conv1D::from_config},
                        {"Conv2D", Conv2D::from_config},
                        {"Dense", Dense::from_config},
                        {"Dropout", Dropout::from_config},
                        {"Embedding", Embedding::from_config},
                        {"Flatten", Flatten::from_config},
                        {"GlobalAveragePooling1D", GlobalAveragePooling1D::from_config},
                        {"GlobalAveragePooling2D", GlobalAveragePooling2D::from_config},
                        {"GlobalMaxPooling1D", GlobalMaxPooling1D::from_config},
                        {"GlobalMaxPooling2D", GlobalMaxPooling2D::from_config},
                        {"GRU", GRU::from_config},
                        {"LSTM", LSTM::from_config},
                        {"LayerNormalization", LayerNormalization::from_config},
                        {"MaxPooling2D", MaxPooling2D::from_config},
                        {"Multiply", without_config<Multiply>},
                        {"PositionEmbedding", PositionEmbedding::from_config},
                        {"MultiHeadAttention", MultiHeadAttention::from_config},
                        {"Reshape", Reshape::from_config},
                        {"SimpleRNN", SimpleRNN::from_config},
                        {"Subtract", without_config<Subtract>},
                    }};
  return r;
}
}  // namespace

void register_layer(const std::string& type, LayerFactory factory) {
  check<ValueError>(!type.empty() && static_cast<bool>(factory),
                    "register_layer: need a type name and a factory; got type '{}'", type);
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.factories[type] = std::move(factory);
}

std::shared_ptr<Layer> make_layer(const std::string& type, const LayerConfig& config) {
  LayerFactory factory;
  {
    Registry& r = registry();
    const std::lock_guard lock(r.mutex);
    const auto it = r.factories.find(type);
    if (it != r.factories.end()) factory = it->second;
  }
  check<ValueError>(static_cast<bool>(factory),
                    "make_layer: unknown layer type '{}' (register it with nn::register_layer); known types: {}", type,
                    fmt::join(known_layers(), ", "));
  std::shared_ptr<Layer> layer = factory(config);
  check<ValueError>(layer != nullptr, "make_layer: the factory of '{}' returned null", type);
  return layer;
}

std::vector<std::string> known_layers() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, f] : r.factories) names.push_back(name);
  return names;
}

}  // namespace nn
