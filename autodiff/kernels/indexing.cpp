#include "autodiff/kernels/indexing.hpp"

#include <algorithm>

#include "autodiff/kernels/elementwise.hpp"
#include "autodiff/kernels/parallel.hpp"

namespace autodiff::kernels {
namespace {

// Runs body(o, i0, i1) over the (outer, inner) plane in parallel chunks.
template <class Body>
void for_planes(int64_t outer, int64_t inner, int64_t work_per_element, Body body) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(work_per_element, 1));
  parallel_for(outer * inner, grain, [&](int64_t b, int64_t e) {
    while (b < e) {
      const int64_t o = b / inner, i0 = b % inner, i1 = std::min(inner, i0 + (e - b));
      body(o, i0, i1);
      b += i1 - i0;
    }
  });
}

}  // namespace

template <class T>
void place_block(Planes p, int64_t start, int64_t stop, const T* src, T* dst) {
  const int64_t row = p.n * p.inner, lo = start * p.inner, hi = stop * p.inner;
  parallel_for(p.outer * row, kElementwiseGrain, [&](int64_t p0, int64_t p1) {
    while (p0 < p1) {
      const int64_t o = p0 / row, i0 = p0 % row, i1 = std::min(row, i0 + (p1 - p0));
      T* to = dst + o * row;
      const int64_t c0 = std::max(i0, lo), c1 = std::min(i1, hi);  // the part of [i0, i1) that is src's
      if (i0 < lo) std::fill(to + i0, to + std::min(i1, lo), T(0));
      if (c0 < c1) std::copy_n(src + o * (hi - lo) + (c0 - lo), c1 - c0, to + c0);
      if (i1 > hi) std::fill(to + std::max(i0, hi), to + i1, T(0));
      p0 += i1 - i0;
    }
  });
}

template <class T>
void select_rows(Planes p, const std::vector<int64_t>& idx, const T* src, T* dst) {
  const auto k_count = static_cast<int64_t>(idx.size());
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(p.inner, 1));
  parallel_for(p.outer * k_count, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t o = r / k_count, k = r % k_count;
      std::copy_n(src + (o * p.n + idx[static_cast<size_t>(k)]) * p.inner, p.inner, dst + r * p.inner);
    }
  });
}

template <class T>
void add_rows(Planes p, const std::vector<int64_t>& idx, const T* src, T* dst) {
  const auto k_count = static_cast<int64_t>(idx.size());
  for_planes(p.outer, p.inner, k_count, [&](int64_t o, int64_t i0, int64_t i1) {
    for (int64_t k = 0; k < k_count; ++k) {
      const T* from = src + (o * k_count + k) * p.inner;
      T* to = dst + (o * p.n + idx[static_cast<size_t>(k)]) * p.inner;
      for (int64_t i = i0; i < i1; ++i) to[i] += from[i];
    }
  });
}

template <class T>
void gather_rows(Planes bx, Planes bi, const std::vector<int64_t>& idx, const T* src, T* dst) {
  for_planes(bi.outer, bi.inner, bi.n, [&](int64_t o, int64_t i0, int64_t i1) {
    for (int64_t k = 0; k < bi.n; ++k)
      for (int64_t i = i0, p = (o * bi.n + k) * bi.inner + i0; i < i1; ++i, ++p)
        dst[p] = src[(o * bx.n + idx[static_cast<size_t>(p)]) * bx.inner + i];
  });
}

template <class T>
void scatter_rows(Planes bx, Planes bi, const std::vector<int64_t>& idx, const T* src, T* dst) {
  for_planes(bi.outer, bi.inner, bi.n, [&](int64_t o, int64_t i0, int64_t i1) {
    for (int64_t k = 0; k < bi.n; ++k)
      for (int64_t i = i0, p = (o * bi.n + k) * bi.inner + i0; i < i1; ++i, ++p)
        dst[(o * bx.n + idx[static_cast<size_t>(p)]) * bx.inner + i] += src[p];
  });
}

template void place_block<float>(Planes, int64_t, int64_t, const float*, float*);
template void select_rows<float>(Planes, const std::vector<int64_t>&, const float*, float*);
template void add_rows<float>(Planes, const std::vector<int64_t>&, const float*, float*);
template void gather_rows<float>(Planes, Planes, const std::vector<int64_t>&, const float*, float*);
template void scatter_rows<float>(Planes, Planes, const std::vector<int64_t>&, const float*, float*);
template void place_block<double>(Planes, int64_t, int64_t, const double*, double*);
template void select_rows<double>(Planes, const std::vector<int64_t>&, const double*, double*);
template void add_rows<double>(Planes, const std::vector<int64_t>&, const double*, double*);
template void gather_rows<double>(Planes, Planes, const std::vector<int64_t>&, const double*, double*);
template void scatter_rows<double>(Planes, Planes, const std::vector<int64_t>&, const double*, double*);

}  // namespace autodiff::kernels
