#include "nn/layers/layer.hpp"

#include <cctype>

namespace nn {

using autodiff::check;

namespace {
// Throws the error in flight again as the first of Es it is (most derived first), with `prefix` before its message.
template <class E, class... Es>
[[noreturn]] void rethrow_with(const std::string& prefix) {
  try {
    throw;
  } catch (const E& e) {
    throw E(prefix + e.what());
  } catch (...) {
    if constexpr (sizeof...(Es) > 0) rethrow_with<Es...>(prefix);
    throw;
  }
}

Shape per_sample(const Var& x) {
  Shape s = x.shape();
  s.erase(0);
  return s;
}
}  // namespace

std::string snake_case(const std::string& type) {
  // Keras' two regex passes: "(.)([A-Z][a-z0-9]+)" → "\1_\2", then "([a-z])([A-Z])" → "\1_\2".
  std::string first;
  for (size_t i = 0; i < type.size(); ++i) {
    const bool word = i > 0 && std::isupper(static_cast<unsigned char>(type[i])) && i + 1 < type.size() &&
                      (std::islower(static_cast<unsigned char>(type[i + 1])) ||
                       std::isdigit(static_cast<unsigned char>(type[i + 1])));
    if (word && first.back() != '_') first += '_';
    first += type[i];
  }
  std::string out;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i > 0 && std::islower(static_cast<unsigned char>(first[i - 1])) &&
        std::isupper(static_cast<unsigned char>(first[i])))
      out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(first[i])));
  }
  return out;
}

std::vector<Shape> Layer::output_shapes(const std::vector<Shape>& input_shapes) const {
  check<autodiff::ValueError>(input_shapes.size() == 1, "{}: takes one input; got {}", label(), input_shapes.size());
  return {output_shape(input_shapes[0])};
}

void Layer::build_many(const std::vector<Shape>& input_shapes, autodiff::Generator& gen) {
  check<autodiff::ValueError>(input_shapes.size() == 1, "{}: takes one input; got {}", label(), input_shapes.size());
  build(input_shapes[0], gen);
}

void Layer::check_input_dtype(const Var& x) const {
  // Ops would say "addmm: dtypes differ", naming neither the layer nor the fix; DESIGN.md: no silent casts.
  if (weights_dtype_ && x.dtype() != *weights_dtype_)
    throw autodiff::ValueError(fmt::format("{}: input is {}, the layer's weights are {}; got input {} (cast the data, "
                                           "or build the model in {})",
                                           label(), autodiff::name(x.dtype()), autodiff::name(*weights_dtype_),
                                           x.shape(), autodiff::name(x.dtype())));
}

template <class F>
auto Layer::named_errors(F f) -> decltype(f()) {
  try {
    return f();
  } catch (const autodiff::Error&) {
    using namespace autodiff;
    rethrow_with<ShapeError, ValueError, IndexError, TapeError, IoError, Error>(label() + ": ");
  }
}

void Layer::record_output_shapes(const std::vector<Var>& outputs) {
  last_output_shapes_.resize(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i)
    if (outputs[i].rank() >= 1) last_output_shapes_[i] = per_sample(outputs[i]);
}

Var Layer::call(const Var& x) {
  check_input_dtype(x);
  const Var y = named_errors(
      [&] { return remat_ && !remats_itself() && autodiff::grad_enabled() ? checkpointed_forward({x}) : forward(x); });
  if (y.rank() >= 1) last_output_shapes_.assign(1, per_sample(y));
  return y;
}

std::vector<Var> Layer::call_many(const std::vector<Var>& inputs) {
  for (const Var& x : inputs) check_input_dtype(x);
  std::vector<Var> outputs = named_errors([&] {
    if (remat_ && !remats_itself() && autodiff::grad_enabled()) return std::vector<Var>{checkpointed_forward(inputs)};
    return forward_many(inputs);
  });
  record_output_shapes(outputs);
  return outputs;
}

Var Layer::checkpointed_forward(const std::vector<Var>& inputs) {
  check<autodiff::ValueError>(named_buffers().empty(),
                              "remat: the layer has buffers (moving statistics) that its forward updates; "
                              "recomputing it would update them twice");
  // So that the parameters exist before they become the checkpoint's inputs.
  if (!built_) {
    std::vector<Shape> shapes;
    for (const Var& x : inputs) shapes.push_back(per_sample(x));
    dtype_ = inputs.at(0).dtype();
    ensure_built_many(shapes, autodiff::default_generator());
  }
  return checkpoint_with_parameters(inputs, [this](const std::vector<Var>& in) {
    std::vector<Var> out = in.size() == 1 ? std::vector<Var>{forward(in[0])} : forward_many(in);
    check<autodiff::ValueError>(out.size() == 1, "remat: the layer has {} outputs; checkpointing takes one",
                                out.size());
    return out[0];
  });
}

Var Layer::checkpoint_with_parameters(std::vector<Var> inputs, const autodiff::CheckpointFn& run) {
  const NamedParams params = named_parameters();
  const size_t n = inputs.size();
  for (const auto& [name, p] : params) inputs.push_back(p);
  return autodiff::checkpoint(
      [this, params, n, run](const std::vector<Var>& in) {
        NamedParams substitutes;
        for (size_t i = 0; i < params.size(); ++i) substitutes.emplace_back(params[i].first, in[n + i]);
        return with_parameters(substitutes, [&] { return run(std::vector<Var>(in.begin(), in.begin() + long(n))); });
      },
      inputs);
}

std::string Layer::label() const { return name_.empty() ? type() : name_; }

void Layer::ensure_built_many(const std::vector<Shape>& input_shapes, autodiff::Generator& gen) {
  if (built_) return;
  // Shape errors surface before any parameter exists, so a failed build leaves the layer untouched.
  (void)output_shapes(input_shapes);
  build_many(input_shapes, gen);
  built_ = true;
  name_parameters(name_);
  if (const NamedParams state = named_state(); !state.empty()) weights_dtype_ = state.front().second.dtype();
}

void Layer::ensure_built(const Shape& input_shape, autodiff::Generator& gen) { ensure_built_many({input_shape}, gen); }

void Layer::ensure_built(const Var& x) {
  if (built_) return;
  check<autodiff::ShapeError>(x.rank() >= 1, "{}: input needs a batch axis; got {}", type(), x.shape());
  dtype_ = x.dtype();
  ensure_built(per_sample(x), autodiff::default_generator());
}

std::shared_ptr<Layer> Layer::moved_to_shared() {
  throw autodiff::ValueError(fmt::format(
      "{}: a temporary of this type cannot be called on symbolic tensors; derive it from nn::LayerOf<{}> or hold "
      "it in a std::shared_ptr",
      label(), type()));
}

}  // namespace nn
