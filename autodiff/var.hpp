#pragma once
// A Var is a cheap handle: a tensor value plus, when it was recorded, the
// index of its node on the tape. Copies share the same variable.
#include <memory>
#include <string>

#include "autodiff/tensor.hpp"

namespace autodiff {

/// The shared state behind a Var. Library code reads it; users go through Var.
struct VarImpl {
  Tensor value;
  Tensor grad;           // accumulated by backward() on leaves that require grad
  std::string name;      // shown in graph exports and error messages
  uint64_t tape_id = 0;  // the tape holding this variable's node (0: none)
  uint64_t epoch = 0;    // that tape's epoch when the node was recorded
  int64_t node = -1;     // index on that tape
  bool requires_grad = false;
  bool leaf = true;
};

class Var {
 public:
  Var() = default;
  /// A leaf variable; requires_grad marks it as something to differentiate with respect to.
  Var(Tensor value, bool requires_grad = false);  // NOLINT: a Tensor is usable wherever a constant Var is
  explicit Var(std::shared_ptr<VarImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  /// The gradient accumulated by backward(); undefined until then.
  const Tensor& grad() const;
  void zero_grad() const;
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  bool is_leaf() const { return !impl_ || impl_->leaf; }
  const Shape& shape() const { return value().shape(); }
  DType dtype() const { return value().dtype(); }
  int64_t rank() const { return value().rank(); }
  int64_t numel() const { return value().numel(); }
  int64_t size(int64_t axis) const { return value().size(axis); }
  double item() const { return value().item(); }
  /// The same value as a constant: nothing flows back through it.
  Var detach() const { return Var(value()); }
  const std::string& name() const;
  /// Names the variable (for graph exports); returns *this.
  const Var& set_name(std::string name) const;
  /// Replaces a leaf's value (loading weights, moving statistics); shape and dtype must match.
  void set_value(const Tensor& value) const;
  /// Overwrites the accumulated gradient (backward accumulates through it; clipping works on copies).
  void set_grad(const Tensor& grad) const;

  VarImpl* impl() const { return impl_.get(); }

 private:
  std::shared_ptr<VarImpl> impl_;
};

}  // namespace autodiff
