#include "nn/training/strategy.hpp"

#include <vector>

namespace nn {

using autodiff::check;

std::pair<int64_t, int64_t> shard_rows(int64_t n, int rank, int size) {
  const int64_t base = n / size, extra = n % size, r = rank;
  const int64_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

std::pair<int64_t, int64_t> my_rows(const Strategy* strategy, int64_t n, std::string_view who) {
  if (!strategy) return {0, n};
  check<autodiff::ValueError>(n >= strategy->num_replicas(),
                              "{}: {} samples cannot be shared by {} ranks; every rank needs at least one", who, n,
                              strategy->num_replicas());
  return shard_rows(n, strategy->rank(), strategy->num_replicas());
}

Logs global_means(Strategy* strategy, const Logs& means, double count) {
  if (!strategy) return means;
  // Every rank has the same keys (the loss and the compiled metrics), so the map's order lines the values up.
  std::vector<double> sums;
  for (const auto& [key, v] : means) sums.push_back(v * count);
  sums.push_back(count);
  strategy->all_sum(sums);
  Logs out;
  size_t k = 0;
  for (const auto& [key, v] : means) out[key] = sums[k++] / sums.back();
  return out;
}

bool runs_chief_only(const Strategy* strategy) { return !strategy || strategy->is_chief(); }

}  // namespace nn
