#pragma once
// Module: something with named parameters and a forward pass built from
// autodiff ops, so its gradient comes from the tape. Layers and models are
// modules; a user's Module subclass with its own forward works with fit.
//
// Two kinds of state, both reachable by full name ("dense_1.kernel"):
// trainable parameters (named_parameters(): what optimizers update) and
// non-trainable buffers (named_buffers(): e.g. BatchNorm moving statistics,
// which change by set_value, not by gradient). named_state() lists both, for saving.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/autodiff.hpp"

namespace nn {

using autodiff::Shape;
using autodiff::Tensor;
using autodiff::Var;
using NamedParams = std::vector<std::pair<std::string, Var>>;

// enable_shared_from_this: a layer called on symbolic tensors (the functional API) is kept by the graph, which
// needs a shared_ptr to the object the user shares.
class Module : public std::enable_shared_from_this<Module> {
 public:
  virtual ~Module() = default;
  /// The forward pass, written with autodiff ops.
  virtual Var forward(const Var& x) = 0;
  Var operator()(const Var& x) { return forward(x); }
  /// The forward pass of a module with several inputs or outputs (a functional model, a merge layer);
  /// by default exactly one input and forward(x).
  virtual std::vector<Var> forward_many(const std::vector<Var>& inputs);

  /// Trainable parameters by full name ("dense_1.kernel"), children included, in registration order.
  NamedParams named_parameters() const;
  std::vector<Var> parameters() const;
  /// Non-trainable state by full name (e.g. "batch_normalization_1.moving_mean").
  NamedParams named_buffers() const;
  /// Parameters then buffers: everything a checkpoint saves.
  NamedParams named_state() const;
  /// Total number of scalar parameters, trainable and not (Keras' "Total params").
  int64_t count_params() const;
  /// Number of scalar trainable parameters.
  int64_t count_trainable_params() const;
  /// Training mode (dropout active, batch statistics updated) or inference mode; children follow.
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool training() const { return training_; }
  void zero_grad();
  /// Sets each parameter's and buffer's Var name to its full name under `prefix` (for graph exports).
  void name_parameters(const std::string& prefix = "") const;
  /// forward(x) with the named parameters (full names) temporarily replaced, as torch.func.functional_call:
  /// gradients then flow to the substitutes (gradient checks of parameters use it).
  Var functional_call(const NamedParams& substitutes, const Var& x);
  /// run() with the named parameters temporarily replaced (functional_call runs forward(x) this way).
  Var with_parameters(const NamedParams& substitutes, const std::function<Var()>& run);
  /// Creates the parameters a module makes only once it knows its input shape, when it knows that shape already
  /// (a Sequential given an input_shape), so that loading weights can fill them; others have nothing to do.
  virtual void build_if_shape_known() {}
  /// Direct children with their names.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  /// Registers a parameter under `name` and returns it: a leaf that requires grad when trainable,
  /// otherwise a buffer (see named_buffers()).
  Var register_parameter(const std::string& name, const Tensor& value, bool trainable = true);
  /// The current parameter or buffer `name` of this module (not its children); forward reads parameters
  /// through it so that functional_call can substitute them.
  const Var& parameter(const std::string& name) const;
  /// Whether this module (not its children) has a parameter or buffer `name`.
  bool has_parameter(const std::string& name) const;
  /// Registers a child whose parameters appear as "<name>.<param>" (an empty name: as the child's own names).
  void register_module(const std::string& name, std::shared_ptr<Module> child);

 private:
  void collect(const std::string& prefix, bool trainable, NamedParams& out) const;
  Var* find_slot(const std::string& full_name);

  NamedParams params_;
  NamedParams buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

/// Sets a module's training mode until the scope ends, then restores the previous one.
class TrainingMode {
 public:
  TrainingMode(Module& module, bool on) : module_(module), previous_(module.training()) { module.train(on); }
  ~TrainingMode() { module_.train(previous_); }
  TrainingMode(const TrainingMode&) = delete;
  TrainingMode& operator=(const TrainingMode&) = delete;

 private:
  Module& module_;
  bool previous_;
};

}  // namespace nn
