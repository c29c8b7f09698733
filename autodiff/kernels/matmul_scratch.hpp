#pragma once
// What the gemm paths share: block arithmetic, the smallest share of work worth a thread, and the
// per-thread packing scratch.
#include <cstdint>
#include <cstdlib>
#include <new>

namespace autodiff::kernels::detail {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

inline constexpr int64_t task_flops = 1 << 19;  // smallest share of a product worth a thread (~5 µs)

// Packing scratch, reused across calls on one thread. A gemm nested inside
// another on the same thread (a TBB worker stealing work while it waits) finds
// the buffer busy and allocates its own.
class Scratch {
 public:
  explicit Scratch(size_t bytes) {
    bytes = static_cast<size_t>(round_up(static_cast<int64_t>(bytes), 64));
    Pool& pool = pool_;
    if (!pool.busy) {
      if (pool.bytes < bytes) {
        std::free(pool.data);
        pool.data = std::aligned_alloc(64, bytes);
        pool.bytes = pool.data ? bytes : 0;
      }
      pool.busy = true;
      data_ = pool.data;
      pooled_ = true;
    } else {
      data_ = std::aligned_alloc(64, bytes);
    }
    if (!data_) throw std::bad_alloc();
  }
  ~Scratch() {
    if (pooled_)
      pool_.busy = false;
    else
      std::free(data_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  void* data() const { return data_; }

 private:
  struct Pool {
    void* data = nullptr;
    size_t bytes = 0;
    bool busy = false;
    ~Pool() { std::free(data); }
  };
  static thread_local Pool pool_;
  void* data_ = nullptr;
  bool pooled_ = false;
};
inline thread_local Scratch::Pool Scratch::pool_;

}  // namespace autodiff::kernels::detail
