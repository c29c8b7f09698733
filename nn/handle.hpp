#pragma once
// Handle<Base>: a shared_ptr<Base> that converts implicitly from any Base
// subclass value (moved into a new shared object) or from a shared_ptr to one,
// so that layers and callbacks can be passed Keras-style in braced lists:
//   Sequential{Dense(10), Activation("relu")}   or   .callbacks = {EarlyStopping(...)}
// Pass a shared_ptr to keep access to the object afterwards.
#include <concepts>
#include <memory>
#include <type_traits>

namespace nn {

template <class Base>
class Handle {
 public:
  /// Moves (or copies) a value of a Base subclass into a new shared object.
  template <class T>
  requires(std::derived_from<std::remove_cvref_t<T>, Base> && !std::is_same_v<std::remove_cvref_t<T>, Handle>)
      Handle(T&& value)  // NOLINT: implicit by design
      : ptr_(std::make_shared<std::remove_cvref_t<T>>(std::forward<T>(value))) {}
  /// Shares an existing object.
  template <class T>
  requires std::derived_from<T, Base> Handle(std::shared_ptr<T> ptr) : ptr_(std::move(ptr)) {}  // NOLINT

  const std::shared_ptr<Base>& get() const { return ptr_; }
  Base* operator->() const { return ptr_.get(); }
  Base& operator*() const { return *ptr_; }

 private:
  std::shared_ptr<Base> ptr_;
};

}  // namespace nn
