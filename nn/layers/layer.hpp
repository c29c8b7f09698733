#pragma once
// Layer: a Module that knows its shapes. Shapes here are per sample, without
// the batch axis, as in Keras: Dense(10) maps [784] to [10].
//
// Parameters are created by build() in dtype() (f32 unless set_dtype(f64) was
// called, or the layer was built lazily from an f64 input), so the same layer
// trains in f32 and is gradient-checked in f64.
#include <concepts>
#include <optional>
#include <string>

#include "autodiff/checkpoint.hpp"
#include "autodiff/random.hpp"
#include "nn/layers/config.hpp"
#include "nn/layers/symbolic.hpp"
#include "nn/module.hpp"

namespace nn {

class Layer : public Module {
 public:
  /// The Keras class name, e.g. "Dense".
  virtual std::string type() const = 0;
  /// Output shape for a given input shape (both without the batch axis); throws ShapeError naming the layer.
  virtual Shape output_shape(const Shape& input_shape) const = 0;
  /// Creates the parameters for this input shape (called once, by Sequential or on first use).
  virtual void build(const Shape& input_shape, autodiff::Generator& gen) { (void)input_shape, (void)gen; }
  /// Output shapes for several inputs (merge layers, attention); by default exactly one input and output_shape.
  virtual std::vector<Shape> output_shapes(const std::vector<Shape>& input_shapes) const;
  /// build for several inputs; by default exactly one input and build.
  virtual void build_many(const std::vector<Shape>& input_shapes, autodiff::Generator& gen);
  /// The constructor arguments by name, for saving the architecture (nn/layers/config.hpp); none by default.
  virtual LayerConfig config() const { return LayerConfig(type()); }
  /// The layer's own random generator (Dropout's), which checkpoints save; null when it has none.
  virtual autodiff::Generator* random_generator() { return nullptr; }

  /// forward(x), with every error it raises named after this layer ("dense_1: ..."), and an input of another
  /// dtype than the weights rejected before any op sees it. Sequential calls its layers through this.
  Var call(const Var& x);
  Var operator()(const Var& x) { return call(x); }
  /// call for several inputs or outputs: forward_many with the same checks and error names.
  std::vector<Var> call_many(const std::vector<Var>& inputs);

  /// The functional API (nn/layers/functional.hpp): records a call of this layer on symbolic tensors, checking
  /// shapes and building the layer at once. A temporary moves into the model (Dense(10)(x)); a layer called
  /// more than once, whose weights the calls share, must be held by a std::shared_ptr.
  SymbolicTensor operator()(const SymbolicTensor& x) &;
  SymbolicTensor operator()(const SymbolicTensor& x) &&;
  /// A call on several symbolic tensors (Add()({a, b}), attention's query and value); one output.
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& inputs) &;
  SymbolicTensor operator()(const std::vector<SymbolicTensor>& inputs) &&;
  /// Every output of a call on symbolic tensors (attention with return_attention_scores).
  std::vector<SymbolicTensor> call_symbolic(const std::vector<SymbolicTensor>& inputs) &;
  std::vector<SymbolicTensor> call_symbolic(const std::vector<SymbolicTensor>& inputs) &&;
  /// Per-sample output shapes of the last call (for summaries of models that call layers in their own code).
  const std::vector<Shape>& last_output_shapes() const { return last_output_shapes_; }

  bool built() const { return built_; }
  /// Builds if not built yet: checks output_shape(input_shape) first, then build(), then names the parameters.
  void ensure_built(const Shape& input_shape, autodiff::Generator& gen);
  /// Builds from a batch x (per-sample shape = x's shape without axis 0, dtype = x's dtype) with the default generator.
  void ensure_built(const Var& x);
  /// ensure_built for several inputs.
  void ensure_built_many(const std::vector<Shape>& input_shapes, autodiff::Generator& gen);
  /// Unique name within a model ("dense_1"); Sequential assigns one like Keras if empty.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }
  /// The input shape declared at construction (Keras `input_shape`), if any.
  const std::optional<Shape>& declared_input_shape() const { return input_shape_; }
  /// The dtype build() creates parameters in; set before building (f64 for gradient checks).
  autodiff::DType dtype() const { return dtype_; }
  void set_dtype(autodiff::DType dtype) { dtype_ = dtype; }
  /// Gradient checkpointing (autodiff::checkpoint): while recording, call() keeps only this layer's input and
  /// output for backward, which recomputes the rest. For layers that hold the bulk of the activations (a long
  /// LSTM, a block); saved with the model. A layer with buffers (moving statistics) refuses it: recomputing
  /// would update them twice.
  void set_remat(bool on) { remat_ = on; }
  bool remat() const { return remat_; }
  /// Whether forward checkpoints finer pieces itself when remat() is on (the recurrent layers: segments of time
  /// steps), instead of call() checkpointing the whole layer.
  virtual bool remats_itself() const { return false; }

 protected:
  /// autodiff::checkpoint of run(inputs) with this layer's parameters appended to the checkpoint's inputs and
  /// substituted while run works (functional_call's mechanism), so that every Var run reads is an input.
  Var checkpoint_with_parameters(std::vector<Var> inputs, const autodiff::CheckpointFn& run);
  /// This temporary moved into a new shared object of its own type; nn::LayerOf provides it.
  virtual std::shared_ptr<Layer> moved_to_shared();

  std::optional<Shape> input_shape_;
  autodiff::DType dtype_ = autodiff::DType::f32;

 private:
  // The name errors give: name(), or type() before the layer has one.
  std::string label() const;

  Var checkpointed_forward(const std::vector<Var>& inputs);
  void check_input_dtype(const Var& x) const;
  template <class F>
  auto named_errors(F f) -> decltype(f());
  std::vector<SymbolicTensor> record_call(std::shared_ptr<Layer> self, const std::vector<SymbolicTensor>& inputs);
  void record_output_shapes(const std::vector<Var>& outputs);

  std::string name_;
  bool built_ = false;
  bool remat_ = false;
  // The dtype of the parameters and buffers build() made; none for a layer without any (Flatten, Dropout).
  std::optional<autodiff::DType> weights_dtype_;
  std::vector<Shape> last_output_shapes_;
};

/// The base of a concrete layer type: class Dense : public LayerOf<Dense> { ... }. It lets a temporary of the
/// type be called on symbolic tensors (Dense(10)(x)) by moving it into the model.
template <class Derived, class Base = Layer>
class LayerOf : public Base {
 public:
  using Base::Base;

 protected:
  std::shared_ptr<Layer> moved_to_shared() override {
    return std::make_shared<Derived>(std::move(static_cast<Derived&>(*this)));
  }
};

/// `layer` named `name` (Keras' name= argument): nn::named(Dense(10), "logits")(x).
template <class L>
  requires std::derived_from<L, Layer>
L named(L layer, std::string name) {
  layer.set_name(std::move(name));
  return layer;
}

/// Keras' snake_case of a class name: "Conv2D" → "conv2d", "MaxPooling2D" → "max_pooling2d", "SimpleRNN" →
/// "simple_rnn".
std::string snake_case(const std::string& type);

/// `layer` with set_remat(true): model.add(nn::remat(LSTM(128, {...}))).
template <class L>
  requires std::derived_from<L, Layer>
L remat(L layer) {
  layer.set_remat(true);
  return layer;
}

}  // namespace nn
