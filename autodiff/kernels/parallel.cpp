#include "autodiff/kernels/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <memory>
#include <mutex>

#ifdef WENGERT_TSAN_FORK_JOIN
#include <sanitizer/tsan_interface.h>
#endif

namespace autodiff {
namespace {
std::mutex control_mutex;
std::unique_ptr<tbb::global_control> control;
int thread_cap = 0;
}  // namespace

void set_num_threads(int n) {
  std::lock_guard lock(control_mutex);
  control.reset();
  thread_cap = 0;
  if (n > 0) {
    control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                    static_cast<size_t>(n));
    thread_cap = n;
  }
}

int num_threads() {
  std::lock_guard lock(control_mutex);
  return thread_cap > 0 ? thread_cap : tbb::info::default_concurrency();
}
}  // namespace autodiff

namespace autodiff::kernels {
namespace {

// The two orderings a parallel loop guarantees: everything before it happens before each chunk
// (fork), and every chunk before it returns (join). oneTBB provides them inside libtbb, which
// ThreadSanitizer cannot see unless libtbb is built with it; under the tsan preset this file is
// compiled uninstrumented, like libtbb, and states them here (docs/design.md, "Sanitizers").
// Chunks stay unordered with each other, so two chunks writing one element are still reported.
class ForkJoin {
 public:
#ifdef WENGERT_TSAN_FORK_JOIN
  ForkJoin() { __tsan_release(&fork_); }
  ~ForkJoin() { __tsan_acquire(&join_); }
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

  struct Chunk {
    explicit Chunk(ForkJoin& f) : f_(f) { __tsan_acquire(&f_.fork_); }
    ~Chunk() { __tsan_release(&f_.join_); }
    ForkJoin& f_;
  };

 private:
  char fork_ = 0, join_ = 0;
#else
  struct Chunk {
    explicit Chunk(ForkJoin&) {}
  };
#endif
};

}  // namespace

void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain) {
    body(0, n);
    return;
  }
  ForkJoin sync;
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, n, grain), [&](const tbb::blocked_range<int64_t>& r) {
    const ForkJoin::Chunk scope(sync);
    body(r.begin(), r.end());
  });
}

void parallel_chunks(int64_t n, int64_t chunk, FunctionRef<void(int64_t, int64_t, int64_t)> body) {
  if (n <= 0) return;
  if (chunk < 1) chunk = 1;
  const int64_t count = (n + chunk - 1) / chunk;
  auto run = [&](int64_t c) { body(c, c * chunk, std::min(n, (c + 1) * chunk)); };
  if (count == 1) {
    run(0);
    return;
  }
  ForkJoin sync;
  tbb::parallel_for(tbb::blocked_range<int64_t>(0, count, 1), [&](const tbb::blocked_range<int64_t>& r) {
    const ForkJoin::Chunk scope(sync);
    for (int64_t c = r.begin(); c != r.end(); ++c) run(c);
  });
}

}  // namespace autodiff::kernels
