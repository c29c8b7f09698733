#pragma once
// The loops of the indexing ops (ops/indexing.cpp): a contiguous tensor seen as [outer, n, inner] around its
// indexed axis, rows copied, added or gathered along n. Every output element is owned by one chunk, and each
// chunk walks k in order, so repeated indices sum in the same order for any thread count.
#include <cstdint>
#include <vector>

namespace autodiff::kernels {

/// A contiguous tensor's extents around one axis: [outer, n, inner].
struct Planes {
  int64_t outer, n, inner;
};

/// dst [outer, n, inner] holds src [outer, stop − start, inner] at [start, stop) along n and zeros elsewhere,
/// written in one pass (one long row, a time step of a time-major sequence, is split across threads too).
template <class T>
void place_block(Planes dst_planes, int64_t start, int64_t stop, const T* src, T* dst);
/// dst [outer, k, inner] = src [outer, idx[k], inner].
template <class T>
void select_rows(Planes src_planes, const std::vector<int64_t>& idx, const T* src, T* dst);
/// dst [outer, n, inner] += src [outer, k, inner] at row idx[k].
template <class T>
void add_rows(Planes dst_planes, const std::vector<int64_t>& idx, const T* src, T* dst);
/// dst [o, k, i] = src [o, idx[o, k, i], i]: x is src_planes, the index (and dst) index_planes.
template <class T>
void gather_rows(Planes src_planes, Planes index_planes, const std::vector<int64_t>& idx, const T* src, T* dst);
/// dst [o, idx[o, k, i], i] += src [o, k, i]: dst is dst_planes, the index (and src) index_planes.
template <class T>
void scatter_rows(Planes dst_planes, Planes index_planes, const std::vector<int64_t>& idx, const T* src, T* dst);

}  // namespace autodiff::kernels
