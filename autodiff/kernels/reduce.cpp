#include "autodiff/kernels/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {
namespace {

constexpr int64_t kChunk = 16384;  // fixed split of long rows; part of the result's definition
constexpr int kLanes = 8;          // independent accumulators, so the loop vectorizes without fast-math
constexpr int64_t kBlock = 256;    // columns a column sum keeps in one local accumulator

template <class T>
T identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::sum: return T(0);
    case ReduceOp::prod: return T(1);
    case ReduceOp::max: return -std::numeric_limits<T>::infinity();
    case ReduceOp::min: return std::numeric_limits<T>::infinity();
  }
  return T(0);
}

template <class T>
T combine(ReduceOp op, T a, T b) {
  switch (op) {
    case ReduceOp::sum: return a + b;
    case ReduceOp::prod: return a * b;
    // NaN propagates: a reduction over data holding NaN must not hide it.
    case ReduceOp::max: return (a > b || std::isnan(a)) ? a : b;
    case ReduceOp::min: return (a < b || std::isnan(a)) ? a : b;
  }
  return a;
}

template <class T, ReduceOp Op>
T reduce_run(const T* x, int64_t n) {
  T acc[kLanes];
  for (T& a : acc) a = identity<T>(Op);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] = combine(Op, acc[l], x[i + l]);
  for (; i < n; ++i) acc[0] = combine(Op, acc[0], x[i]);
  T total = acc[0];
  for (int l = 1; l < kLanes; ++l) total = combine(Op, total, acc[l]);
  return total;
}

// Calls f.template operator()<Op>() with the run-time op as a template argument, so the loops inside
// see a fixed operation and vectorize.
template <class F>
void with_op(ReduceOp op, const F& f) {
  switch (op) {
    case ReduceOp::sum: return f.template operator()<ReduceOp::sum>();
    case ReduceOp::prod: return f.template operator()<ReduceOp::prod>();
    case ReduceOp::max: return f.template operator()<ReduceOp::max>();
    case ReduceOp::min: return f.template operator()<ReduceOp::min>();
  }
}

template <class T>
T reduce_run(ReduceOp op, const T* x, int64_t n) {
  T total = T(0);
  with_op(op, [&]<ReduceOp Op>() { total = reduce_run<T, Op>(x, n); });
  return total;
}

// One row reduced in fixed chunks: the partials and their combination order
// depend only on r.
template <class T>
T reduce_long_row(ReduceOp op, const T* x, int64_t r) {
  const int64_t chunks = (r + kChunk - 1) / kChunk;
  std::vector<T> partial(static_cast<size_t>(chunks));
  parallel_chunks(r, kChunk, [&](int64_t c, int64_t b, int64_t e) { partial[c] = reduce_run(op, x + b, e - b); });
  T total = identity<T>(op);
  for (T p : partial) total = combine(op, total, p);
  return total;
}

// Few columns and many rows (a bias gradient: [batch·pixels, channels]): the rows split at fixed
// chunk boundaries, each chunk reduced in a local accumulator of `group` whole rows, a length that is
// a multiple of 16 so the loop runs on full vectors; the partials then combine in chunk order.
template <class T, ReduceOp Op>
void reduce_narrow_cols(const T* x, int64_t r, int64_t m, T* out) {
  int64_t rows = 1;
  while (rows * m % 16 != 0) ++rows;  // at most 16
  const int64_t group = rows * m;
  const int64_t chunk_rows = std::max<int64_t>(rows, kChunk / group * rows);
  const int64_t chunks = (r + chunk_rows - 1) / chunk_rows;
  std::vector<T> partial(static_cast<size_t>(chunks * m));
  parallel_chunks(r, chunk_rows, [&](int64_t c, int64_t begin, int64_t end) {
    T acc[16 * kBlock];
    std::fill(acc, acc + group, identity<T>(Op));
    int64_t i = begin;
    for (; i + rows <= end; i += rows) {
      const T* p = x + i * m;
      for (int64_t e = 0; e < group; ++e) acc[e] = combine(Op, acc[e], p[e]);
    }
    for (; i < end; ++i)
      for (int64_t j = 0; j < m; ++j) acc[j] = combine(Op, acc[j], x[i * m + j]);
    T* part = partial.data() + c * m;
    for (int64_t j = 0; j < m; ++j) {
      T v = acc[j];
      for (int64_t k = 1; k < rows; ++k) v = combine(Op, v, acc[k * m + j]);
      part[j] = v;
    }
  });
  for (int64_t j = 0; j < m; ++j) {
    T v = partial[j];
    for (int64_t c = 1; c < chunks; ++c) v = combine(Op, v, partial[c * m + j]);
    out[j] = v;
  }
}

// Wide blocks (a Dense bias gradient: [batch, units]): column blocks of kBlock in parallel; within a
// block every column folds its rows in order (the order depends on r alone). The op is a template
// argument and the accumulator a local array that cannot alias x, so the loop vectorizes; folding
// into out through a run-time op switch ran scalar (38 µs for [128, 512], now ~2.5 µs).
template <class T, ReduceOp Op>
void reduce_col_blocks(const T* x, int64_t r, int64_t m, T* out) {
  parallel_for((m + kBlock - 1) / kBlock, std::max<int64_t>(1, kChunk / std::max<int64_t>(r * kBlock, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t blk = b; blk < e; ++blk) {
                   const int64_t j0 = blk * kBlock, w = std::min(m, j0 + kBlock) - j0;
                   T acc[kBlock];
                   std::fill(acc, acc + w, identity<T>(Op));
                   const T* p = x + j0;
                   if (w == kBlock) {
                     for (int64_t i = 0; i < r; ++i, p += m)
                       for (int64_t j = 0; j < kBlock; ++j) acc[j] = combine(Op, acc[j], p[j]);
                   } else {
                     for (int64_t i = 0; i < r; ++i, p += m)
                       for (int64_t j = 0; j < w; ++j) acc[j] = combine(Op, acc[j], p[j]);
                   }
                   std::copy(acc, acc + w, out + j0);
                 }
               });
}

}  // namespace

template <class T>
void reduce_rows(ReduceOp op, const T* x, int64_t m, int64_t r, T* out) {
  if (m == 1 && r > kChunk) {
    out[0] = reduce_long_row(op, x, r);
    return;
  }
  parallel_for(m, std::max<int64_t>(1, kChunk / std::max<int64_t>(r, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = r > kChunk ? reduce_long_row(op, x + i * r, r) : reduce_run(op, x + i * r, r);
  });
}

template <class T>
void reduce_cols(ReduceOp op, const T* x, int64_t r, int64_t m, T* out) {
  with_op(op, [&]<ReduceOp Op>() {
    if (m <= kBlock && r * m > kChunk)
      reduce_narrow_cols<T, Op>(x, r, m, out);
    else
      reduce_col_blocks<T, Op>(x, r, m, out);
  });
}

template void reduce_rows<float>(ReduceOp, const float*, int64_t, int64_t, float*);
template void reduce_rows<double>(ReduceOp, const double*, int64_t, int64_t, double*);
template void reduce_cols<float>(ReduceOp, const float*, int64_t, int64_t, float*);
template void reduce_cols<double>(ReduceOp, const double*, int64_t, int64_t, double*);

}  // namespace autodiff::kernels
