#include "nn/layers/layer.hpp"

namespace nn {

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
}  // namespace

Var Layer::call(const Var& x) {
  // Ops would say "addmm: dtypes differ", naming neither the layer nor the fix; DESIGN.md: no silent casts.
  if (weights_dtype_ && x.dtype() != *weights_dtype_)
    throw autodiff::ValueError(fmt::format("{}: input is {}, the layer's weights are {}; got input {} (cast the data, "
                                           "or build the model in {})",
                                           label(), autodiff::name(x.dtype()), autodiff::name(*weights_dtype_),
                                           x.shape(), autodiff::name(x.dtype())));
  try {
    return remat_ && !remats_itself() && autodiff::grad_enabled() ? checkpointed_forward(x) : forward(x);
  } catch (const autodiff::Error&) {
    using namespace autodiff;
    rethrow_with<ShapeError, ValueError, IndexError, TapeError, IoError, Error>(label() + ": ");
  }
}

Var Layer::checkpointed_forward(const Var& x) {
  autodiff::check<autodiff::ValueError>(named_buffers().empty(),
                                        "remat: the layer has buffers (moving statistics) that its forward updates; "
                                        "recomputing it would update them twice");
  ensure_built(x);  // so that the parameters exist before they become the checkpoint's inputs
  return checkpoint_with_parameters({x}, [this](const std::vector<Var>& in) { return forward(in[0]); });
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

void Layer::ensure_built(const Shape& input_shape, autodiff::Generator& gen) {
  if (built_) return;
  // Shape errors surface before any parameter exists, so a failed build leaves the layer untouched.
  (void)output_shape(input_shape);
  build(input_shape, gen);
  built_ = true;
  name_parameters(name_);
  if (const NamedParams state = named_state(); !state.empty()) weights_dtype_ = state.front().second.dtype();
}

void Layer::ensure_built(const Var& x) {
  if (built_) return;
  autodiff::check<autodiff::ShapeError>(x.rank() >= 1, "{}: input needs a batch axis; got {}", type(), x.shape());
  Shape per_sample = x.shape();
  per_sample.erase(0);
  dtype_ = x.dtype();
  ensure_built(per_sample, autodiff::default_generator());
}

}  // namespace nn
