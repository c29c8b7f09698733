#pragma once
// The one door to oneTBB: everything parallel in Wengert goes through
// parallel_for here, so no other file includes <tbb/...> and no caller decides
// about threads (small ranges run serially inside).
#include <cstdint>
#include <type_traits>
#include <utility>

namespace autodiff {
/// Caps the worker threads used by every kernel; n <= 0 restores the default (all cores).
void set_num_threads(int n);
/// The current cap on worker threads.
int num_threads();
}  // namespace autodiff

namespace autodiff::kernels {

/// A non-owning reference to a callable, so the hot path has no std::function.
template <class Sig>
class FunctionRef;
template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef>)
  FunctionRef(F&& f)  // NOLINT: implicit by design, like std::function_ref
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(a)...);
        }) {}
  R operator()(Args... a) const { return call_(obj_, std::forward<Args>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, Args...);
};

/// Runs body(begin, end) over disjoint chunks of [0, n); serial when n <= grain.
void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> body);

/// Like parallel_for, but the chunk boundaries are fixed multiples of `chunk`
/// whatever the thread count, so per-chunk partial results combine identically.
void parallel_chunks(int64_t n, int64_t chunk, FunctionRef<void(int64_t, int64_t, int64_t)> body);

}  // namespace autodiff::kernels
