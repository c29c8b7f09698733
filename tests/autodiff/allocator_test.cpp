#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "autodiff/autodiff.hpp"

using namespace autodiff;

namespace {
uintptr_t address(const Tensor& t) { return reinterpret_cast<uintptr_t>(t.storage()->data()); }
}  // namespace

BOOST_AUTO_TEST_CASE(freed_block_is_reused_for_same_size) {
  empty_cache();
  uintptr_t first = 0;
  {
    const Tensor a = Tensor::empty({1000, 37});
    first = address(a);
  }
  if (!caching_enabled()) {  // sanitizer builds and WENGERT_NO_CACHE=1: blocks go straight back to the system
    BOOST_TEST(cached_bytes() == 0u);
    return;
  }
  BOOST_TEST(cached_bytes() >= 1000 * 37 * sizeof(float));
  const Tensor b = Tensor::empty({37, 1000});
  BOOST_TEST(address(b) == first);
  BOOST_TEST(cached_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(storage_is_64_byte_aligned) {
  std::vector<Tensor> keep;
  for (int64_t n : {0, 1, 3, 17, 1000, 4097, 100003}) {
    for (int round = 0; round < 2; ++round) {
      keep.push_back(Tensor::empty({n}, DType::f64));
      BOOST_TEST(address(keep.back()) % 64 == 0u);
      if (round == 0) keep.pop_back();  // the second round may come from the cache
    }
  }
}

BOOST_AUTO_TEST_CASE(empty_cache_releases_free_blocks) {
  { const Tensor a = Tensor::empty({4096}); }
  BOOST_TEST((cached_bytes() > 0u) == caching_enabled());
  empty_cache();
  BOOST_TEST(cached_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(live_tensors_never_share_blocks) {
  std::vector<Tensor> live;
  for (int i = 0; i < 8; ++i) {
    { const Tensor scratch = full({256}, -1.0); }  // freed, so the next one may reuse its block
    live.push_back(full({256}, static_cast<double>(i)));
  }
  for (size_t i = 0; i < live.size(); ++i) {
    for (size_t j = i + 1; j < live.size(); ++j) BOOST_TEST(address(live[i]) != address(live[j]));
    for (double v : live[i].to_vector()) BOOST_TEST(v == static_cast<double>(i));
  }
}

BOOST_AUTO_TEST_CASE(fill_sets_every_element_of_large_tensors) {
  const int64_t n = 3 * 65536 + 5;  // several parallel chunks and a ragged tail
  for (double v : {0.0, -0.0, 2.5}) {
    const Tensor t = full({n}, 1.0, DType::f64);
    t.fill_(v);
    const std::vector<double> values = t.to_vector();
    BOOST_TEST(std::count(values.begin(), values.end(), v) == n);
    BOOST_TEST(std::signbit(values.back()) == std::signbit(v));
  }
}

BOOST_AUTO_TEST_CASE(two_threads_allocate_concurrently) {
  auto work = [](double value, bool& ok) {
    for (int i = 0; i < 2000; ++i) {
      const Tensor t = full({static_cast<int64_t>(1 + i % 300)}, value);
      const Tensor u = full({static_cast<int64_t>(5000 + i % 7 * 1000)}, value);
      ok = ok && t.to_vector().front() == value && u.to_vector().back() == value;
    }
  };
  bool ok_a = true, ok_b = true;
  std::thread a(work, 1.0, std::ref(ok_a)), b(work, 2.0, std::ref(ok_b));
  a.join();
  b.join();
  BOOST_TEST(ok_a);
  BOOST_TEST(ok_b);
}

BOOST_AUTO_TEST_CASE(live_and_peak_bytes_follow_the_tensors) {
  const size_t before = live_bytes();
  reset_peak_bytes();
  {
    const Tensor a = Tensor::empty({1 << 16}, DType::f32);  // 256 KB
    BOOST_TEST(live_bytes() >= before + (size_t{1} << 18));
    {
      const Tensor b = Tensor::empty({1 << 16}, DType::f64);  // 512 KB more
      BOOST_TEST(peak_bytes() >= before + 3 * (size_t{1} << 18));
    }
    BOOST_TEST(live_bytes() < before + 2 * (size_t{1} << 18));  // b is gone
  }
  BOOST_TEST(live_bytes() == before);
  BOOST_TEST(peak_bytes() >= before + 3 * (size_t{1} << 18));  // the high-water mark stays
  reset_peak_bytes();
  BOOST_TEST(peak_bytes() == before);
}
