#include "nn/data/batching.hpp"

#include <algorithm>
#include <numeric>

#include "autodiff/ops/indexing.hpp"
#include "autodiff/random.hpp"

namespace nn {

using autodiff::Shape;
using autodiff::Tensor;

Tensor take_rows(const Tensor& t, std::span<const int64_t> rows) {
  autodiff::check<autodiff::ShapeError>(t.rank() >= 1, "take_rows: needs a tensor with a batch axis; got {}",
                                        t.shape());
  for (int64_t r : rows)
    autodiff::check<autodiff::IndexError>(r >= 0 && r < t.size(0), "take_rows: row {} out of range for {}", r,
                                          t.shape());
  // index_select's kernel copies whole rows in parallel: a shuffled batch reads rows from all over a data set
  // larger than the cache, and both threads wait on memory at once.
  return autodiff::index_select(autodiff::Var(t), 0, std::vector<int64_t>(rows.begin(), rows.end())).value();
}

Tensor row_range(const Tensor& t, int64_t begin, int64_t end) { return t.slice(0, begin, end).contiguous(); }

Tensor concat_rows(const std::vector<Tensor>& parts) {
  autodiff::check<autodiff::ValueError>(!parts.empty(), "concat_rows: nothing to join");
  Shape shape = parts[0].shape();
  int64_t rows = 0;
  for (const Tensor& p : parts) {
    Shape tail = p.shape();
    tail[0] = shape[0];
    autodiff::check<autodiff::ShapeError>(tail == shape && p.dtype() == parts[0].dtype(),
                                          "concat_rows: parts differ; got {} and {}", parts[0].shape(), p.shape());
    rows += p.size(0);
  }
  shape[0] = rows;
  Tensor out = Tensor::empty(shape, parts[0].dtype());
  int64_t at = 0;
  for (const Tensor& p : parts) {
    out.slice(0, at, at + p.size(0)).copy_(p);
    at += p.size(0);
  }
  return out;
}

std::vector<int64_t> permutation(int64_t n, uint64_t seed) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  autodiff::Generator gen(seed);
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(gen.integer(i + 1))]);
  return order;
}

std::vector<Tensor> take_rows(const std::vector<Tensor>& ts, std::span<const int64_t> rows) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(take_rows(t, rows));
  return out;
}

std::vector<Tensor> row_range(const std::vector<Tensor>& ts, int64_t begin, int64_t end) {
  std::vector<Tensor> out;
  for (const Tensor& t : ts) out.push_back(row_range(t, begin, end));
  return out;
}

int64_t sample_count(const std::vector<Tensor>& x, const std::vector<Tensor>& y, std::string_view who) {
  autodiff::check<autodiff::ValueError>(!x.empty() && !y.empty(), "Model: {} needs inputs and targets; got {} and {}",
                                        who, x.size(), y.size());
  const int64_t n = x[0].rank() >= 1 ? x[0].size(0) : -1;
  for (const auto* list : {&x, &y})
    for (size_t i = 0; i < list->size(); ++i)
      autodiff::check<autodiff::ShapeError>(
          (*list)[i].rank() >= 1 && (*list)[i].size(0) == n,
          "Model: {}: x and y need a batch axis and the same number of samples; got x[0] {} and {}[{}] {}", who,
          x[0].shape(), list == &x ? "x" : "y", i, (*list)[i].shape());
  return n;
}

}  // namespace nn
