#include "autodiff/var.hpp"

namespace autodiff {
namespace {
const VarImpl& deref(const std::shared_ptr<VarImpl>& impl, std::string_view what) {
  check<TapeError>(impl != nullptr, "{}: the Var is undefined (default-constructed)", what);
  return *impl;
}
}  // namespace

Var::Var(Tensor value, bool requires_grad) : impl_(std::make_shared<VarImpl>()) {
  check<ValueError>(value.defined(), "Var: the value tensor is undefined");
  impl_->value = std::move(value);
  impl_->requires_grad = requires_grad;
}

const Tensor& Var::value() const { return deref(impl_, "value").value; }
const Tensor& Var::grad() const { return deref(impl_, "grad").grad; }
void Var::zero_grad() const {
  if (impl_) impl_->grad = Tensor();
}
const std::string& Var::name() const { return deref(impl_, "name").name; }

const Var& Var::set_name(std::string name) const {
  deref(impl_, "set_name");
  impl_->name = std::move(name);
  return *this;
}

void Var::set_value(const Tensor& value) const {
  const VarImpl& v = deref(impl_, "set_value");
  check<ShapeError>(v.value.shape() == value.shape(), "set_value: shape {} does not match the variable's {}",
                    value.shape(), v.value.shape());
  check_same_dtype("set_value", v.value, value);
  impl_->value = value;
}

void Var::set_grad(const Tensor& grad) const {
  const VarImpl& v = deref(impl_, "set_grad");
  check<ShapeError>(!grad.defined() || v.value.shape() == grad.shape(),
                    "set_grad: shape {} does not match the variable's {}", grad.shape(), v.value.shape());
  impl_->grad = grad;
}

}  // namespace autodiff
