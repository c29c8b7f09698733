#include "autodiff/allocator.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "autodiff/error.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WENGERT_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WENGERT_SANITIZER_BUILD 1
#endif
#endif

namespace autodiff {
namespace {

// Free blocks beyond this are released, largest first.
constexpr size_t kCacheLimit = size_t{1} << 30;

// Size classes: 64-byte steps up to 4 KiB, then four steps per power of two (at most 25% slack).
size_t size_class(size_t bytes) {
  if (bytes <= 4096) return (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  const size_t step = std::bit_floor(bytes) / 4;
  return (bytes + step - 1) / step * step;
}

void* system_allocate(size_t rounded) {
  void* p = std::aligned_alloc(64, rounded);
  check<ValueError>(p != nullptr, "Storage: out of memory allocating {} bytes", rounded);
  return p;
}

bool read_enabled() {
#ifdef WENGERT_SANITIZER_BUILD
  return false;  // freed tensors must stay poisoned so use-after-free is still caught
#else
  const char* v = std::getenv("WENGERT_NO_CACHE");
  return v == nullptr || *v == '\0' || std::string_view(v) == "0";
#endif
}

class Cache {
 public:
  void* take(size_t rounded) {
    {
      const std::lock_guard lock(mutex_);
      auto it = free_.find(rounded);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= rounded;
        return p;
      }
    }
    return system_allocate(rounded);
  }

  void give(void* p, size_t rounded) {
    std::vector<void*> release;
    {
      const std::lock_guard lock(mutex_);
      free_[rounded].push_back(p);
      cached_ += rounded;
      for (auto it = free_.rbegin(); cached_ > kCacheLimit && it != free_.rend(); ++it) {
        while (cached_ > kCacheLimit && !it->second.empty()) {
          release.push_back(it->second.back());
          it->second.pop_back();
          cached_ -= it->first;
        }
      }
    }
    for (void* q : release) std::free(q);  // outside the lock: munmap can be slow
  }

  void clear() {
    std::map<size_t, std::vector<void*>> all;
    {
      const std::lock_guard lock(mutex_);
      all.swap(free_);
      cached_ = 0;
    }
    for (auto& [size, blocks] : all)
      for (void* q : blocks) std::free(q);
  }

  size_t cached() {
    const std::lock_guard lock(mutex_);
    return cached_;
  }

 private:
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;  // by class size, so the largest are at the end
  size_t cached_ = 0;
};

// Bytes handed out and not given back (by size class), and the most there have been: the tensors' memory,
// whatever the cache holds besides. Relaxed: a statistic, read between ops.
std::atomic<size_t> live{0}, peak{0};

void count_in(size_t rounded) {
  const size_t now = live.fetch_add(rounded, std::memory_order_relaxed) + rounded;
  size_t high = peak.load(std::memory_order_relaxed);
  while (now > high && !peak.compare_exchange_weak(high, now, std::memory_order_relaxed)) {
  }
}

// Never destroyed: tensors in static objects may be freed after any static here would be.
Cache& cache() {
  static Cache* c = new Cache;
  return *c;
}

}  // namespace

bool caching_enabled() {
  static const bool enabled = read_enabled();
  return enabled;
}

void empty_cache() { cache().clear(); }

size_t cached_bytes() { return cache().cached(); }

size_t live_bytes() { return live.load(std::memory_order_relaxed); }
size_t peak_bytes() { return peak.load(std::memory_order_relaxed); }
void reset_peak_bytes() { peak.store(live.load(std::memory_order_relaxed), std::memory_order_relaxed); }

namespace detail {

void* allocate(size_t bytes) {
  const size_t rounded = size_class(bytes);
  void* p = caching_enabled() ? cache().take(rounded) : system_allocate(rounded);
  count_in(rounded);
  return p;
}

void deallocate(void* p, size_t bytes) {
  live.fetch_sub(size_class(bytes), std::memory_order_relaxed);
  if (caching_enabled())
    cache().give(p, size_class(bytes));
  else
    std::free(p);
}

}  // namespace detail
}  // namespace autodiff
