#include "nn/layers/bidirectional.hpp"

#include <numeric>

#include "autodiff/ops/indexing.hpp"
#include "nn/layers/registry.hpp"

namespace nn {

using autodiff::check;
using autodiff::ShapeError;
using autodiff::ValueError;

namespace {
// The inner layer's config fields are kept under this prefix in the Bidirectional's own (flat) config.
const std::string kLayerPrefix = "layer.";

// x [batch, time, ...] with the time axis reversed (an index_select, whose VJP reverses g back).
Var reverse_time(const Var& x) {
  std::vector<int64_t> indices(static_cast<size_t>(x.size(1)));
  std::iota(indices.rbegin(), indices.rend(), int64_t{0});
  return autodiff::index_select(x, 1, indices);
}
}  // namespace

Bidirectional::Bidirectional(const Recurrent& layer, BidirectionalOptions options)
    : Bidirectional(layer.config(), std::move(options)) {
  set_remat(layer.remat());  // the flag is not part of a config: carried over here, saved as this layer's
}

Bidirectional::Bidirectional(const LayerConfig& layer, BidirectionalOptions options)
    : layer_config_(layer), options_(std::move(options)) {
  const std::string& m = options_.merge_mode;
  check<ValueError>(m == "concat" || m == "sum" || m == "mul" || m == "ave",
                    "Bidirectional: merge_mode must be \"concat\", \"sum\", \"mul\" or \"ave\"; got \"{}\"", m);
  prototype_ = make_copy();
  input_shape_ = options_.input_shape ? options_.input_shape : prototype_->declared_input_shape();
}

std::shared_ptr<Recurrent> Bidirectional::make_copy() const {
  std::shared_ptr<Recurrent> copy =
      std::dynamic_pointer_cast<Recurrent>(make_layer(layer_config_.type(), layer_config_));
  check<ValueError>(copy != nullptr,
                    "Bidirectional: the wrapped layer must be recurrent (LSTM, GRU, SimpleRNN); got {}",
                    layer_config_.type());
  return copy;
}

Shape Bidirectional::output_shape(const Shape& input_shape) const {
  check<ShapeError>(input_shape.rank() == 2, "Bidirectional: expected input [time, features]; got {}", input_shape);
  Shape out = (forward_ ? *forward_ : *prototype_).output_shape(input_shape);
  if (options_.merge_mode == "concat") out[out.rank() - 1] *= 2;
  return out;
}

void Bidirectional::build(const Shape& input_shape, autodiff::Generator& gen) {
  const std::string name = snake_case(layer_config_.type());  // Keras': "forward_lstm", "forward_simple_rnn"
  forward_ = make_copy();
  backward_ = make_copy();
  for (const auto& [layer, direction] : {std::pair{forward_, "forward_"}, std::pair{backward_, "backward_"}}) {
    layer->set_name(direction + name);
    layer->set_dtype(dtype());
    layer->ensure_built(input_shape, gen);
    register_module(direction + name, layer);
  }
}

Var Bidirectional::forward(const Var& x) {
  check<ShapeError>(x.rank() == 3, "Bidirectional: expected input [batch, time, features]; got {}", x.shape());
  (void)output_shape(Shape{x.size(1), x.size(2)});
  ensure_built(x);
  // The copies checkpoint their own segments of time steps under remat, finer than this whole layer.
  forward_->set_remat(remat());
  backward_->set_remat(remat());
  // call() names the copy in any error: "bidirectional_1: backward_lstm: ...".
  const Var y_forward = forward_->call(x);
  Var y_backward = backward_->call(reverse_time(x));
  if (forward_->return_sequences()) y_backward = reverse_time(y_backward);  // step t of both reads x up to and from t
  const std::string& m = options_.merge_mode;
  if (m == "concat") return autodiff::concat({y_forward, y_backward}, -1);
  if (m == "sum") return y_forward + y_backward;
  if (m == "mul") return y_forward * y_backward;
  return (y_forward + y_backward) * 0.5;
}

LayerConfig Bidirectional::config() const {
  LayerConfig c(type());
  const ConfigWriter w{c};
  w("merge_mode", options_.merge_mode);
  w("input_shape", input_shape_);
  w("layer", layer_config_.type());
  for (const auto& [key, value] : layer_config_.values()) c.set(kLayerPrefix + key, value);
  return c;
}

std::shared_ptr<Layer> Bidirectional::from_config(const LayerConfig& c) {
  const ConfigReader r{c};
  BidirectionalOptions o;
  r("merge_mode", o.merge_mode);
  r("input_shape", o.input_shape);
  LayerConfig layer(r.required<std::string>("layer"));
  for (const auto& [key, value] : c.values())
    if (key.starts_with(kLayerPrefix)) layer.set(key.substr(kLayerPrefix.size()), value);
  return std::make_shared<Bidirectional>(layer, o);
}

}  // namespace nn
