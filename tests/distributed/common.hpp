#pragma once
// Shared by the tests that run under mpiexec: one MPI context per process, a seeded problem, a state hash.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <memory>

#include "distributed/collectives.hpp"
#include "distributed/data_parallel.hpp"
#include "nn/data/batching.hpp"
#include "nn/nn.hpp"
#include "tests/nn/training_data.hpp"

namespace dist_test {

using autodiff::DType;
using autodiff::Tensor;

inline distributed::Context& context() {
  static distributed::Context ctx;
  return ctx;
}
// MPI starts before the first case and ends after the last (the static Context lives to exit).
struct StartMpi {
  StartMpi() { (void)context(); }
};

inline std::shared_ptr<distributed::DataParallel> strategy() {
  return std::make_shared<distributed::DataParallel>(context());
}

/// FNV-1a over the bytes of every tensor of the model's state (parameters and buffers).
inline uint64_t state_hash(const nn::Module& model) {
  uint64_t h = 1469598103934665603ull;
  for (const auto& [name, v] : model.named_state()) {
    const Tensor t = v.value().contiguous();
    const auto* p = static_cast<const unsigned char*>(t.storage()->data()) + t.offset() * autodiff::itemsize(t.dtype());
    for (size_t i = 0; i < size_t(t.numel()) * autodiff::itemsize(t.dtype()); ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  return h;
}

inline nn::Sequential mlp(uint64_t seed) {
  autodiff::manual_seed(seed);  // the model's generator draws its seed from here
  // Built by the first fit, in the data's dtype.
  return nn::Sequential{nn::Dense(16, {.activation = "tanh"}), nn::Dense(2, {.activation = "softmax"})};
}

/// Every parameter of a and b equal to `rel` relative to b's largest magnitude.
inline void check_close(const nn::Module& a, const nn::Module& b, double rel) {
  const auto sa = a.named_state(), sb = b.named_state();
  BOOST_REQUIRE_EQUAL(sa.size(), sb.size());
  for (size_t k = 0; k < sa.size(); ++k) {
    const auto va = sa[k].second.value().to_vector(), vb = sb[k].second.value().to_vector();
    double scale = 0, worst = 0;
    for (size_t i = 0; i < vb.size(); ++i) {
      scale = std::max(scale, std::abs(vb[i]));
      worst = std::max(worst, std::abs(va[i] - vb[i]));
    }
    BOOST_TEST(worst <= rel * std::max(scale, 1e-30), sa[k].first << ": worst difference " << worst);
  }
}

}  // namespace dist_test
