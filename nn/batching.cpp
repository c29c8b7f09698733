#include "nn/batching.hpp"

#include <algorithm>
#include <numeric>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/random.hpp"

namespace nn {

using autodiff::Shape;
using autodiff::Tensor;

namespace {
int64_t row_size(const Tensor& t) { return t.size(0) == 0 ? 0 : t.numel() / t.size(0); }
}  // namespace

Tensor take_rows(const Tensor& t, std::span<const int64_t> rows) {
  autodiff::check<autodiff::ShapeError>(t.rank() >= 1, "take_rows: needs a tensor with a batch axis; got {}",
                                        t.shape());
  const Tensor src = t.contiguous();
  Shape shape = src.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(shape, src.dtype());
  const int64_t width = row_size(src);
  for (int64_t r : rows)
    autodiff::check<autodiff::IndexError>(r >= 0 && r < src.size(0), "take_rows: row {} out of range for {}", r,
                                          src.shape());
  autodiff::dispatch(src.dtype(), [&]<class T>(T) {
    const T* from = src.data<T>();
    T* to = out.data<T>();
    // A shuffled batch reads rows from all over a data set larger than the cache: both threads
    // wait on memory at once.
    const int64_t grain = std::max<int64_t>(1, autodiff::kernels::kElementwiseGrain / std::max<int64_t>(width, 1));
    autodiff::kernels::parallel_for(static_cast<int64_t>(rows.size()), grain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) std::copy_n(from + rows[static_cast<size_t>(i)] * width, width, to + i * width);
    });
  });
  return out;
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

}  // namespace nn
