#pragma once
// The caching allocator behind Storage: freed blocks wait in size-class free lists for
// the next tensor of their class, so hot loops skip malloc and fresh-page faults
// (docs/performance.md). Off under sanitizers and with WENGERT_NO_CACHE=1.
#include <cstddef>

namespace autodiff {

/// Returns every cached (free) block to the system; live tensors are untouched.
void empty_cache();
/// Bytes held by free blocks waiting in the cache.
size_t cached_bytes();
/// False under ASan/TSan builds or when WENGERT_NO_CACHE=1 was set at first use.
bool caching_enabled();
/// Bytes of storage that live tensors hold now (rounded to the allocator's size classes; the cache not counted).
size_t live_bytes();
/// The most live_bytes() has been since the last reset_peak_bytes() (or the start): the high-water mark.
size_t peak_bytes();
/// Starts a new high-water mark from live_bytes().
void reset_peak_bytes();

namespace detail {
/// 64-byte aligned, uninitialized memory of at least `bytes` bytes; throws ValueError when out of memory.
void* allocate(size_t bytes);
/// Gives back a block from allocate(bytes) with the same `bytes`.
void deallocate(void* p, size_t bytes);
}  // namespace detail

}  // namespace autodiff
