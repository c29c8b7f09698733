#include "autodiff/shape.hpp"

#include <ostream>

#include "autodiff/dtype.hpp"
#include "autodiff/error.hpp"

namespace autodiff {

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  check<ShapeError>(dims.size() <= kMaxRank, "shape: rank {} exceeds the maximum rank {}", dims.size(), kMaxRank);
  for (int64_t d : dims) {
    check<ShapeError>(d >= 0, "shape: negative extent {} in [{}]", d, fmt::join(dims, ", "));
    dims_[static_cast<size_t>(rank_++)] = d;
  }
}

void Shape::push_back(int64_t d) {
  check<ShapeError>(rank_ < kMaxRank, "shape: rank would exceed the maximum rank {}", kMaxRank);
  dims_[static_cast<size_t>(rank_++)] = d;
}

void Shape::insert(int64_t pos, int64_t d) {
  check<ShapeError>(rank_ < kMaxRank, "shape: rank would exceed the maximum rank {}", kMaxRank);
  for (int64_t i = rank_; i > pos; --i) dims_[static_cast<size_t>(i)] = dims_[static_cast<size_t>(i - 1)];
  dims_[static_cast<size_t>(pos)] = d;
  ++rank_;
}

void Shape::erase(int64_t pos) {
  for (int64_t i = pos; i + 1 < rank_; ++i) dims_[static_cast<size_t>(i)] = dims_[static_cast<size_t>(i + 1)];
  --rank_;
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int64_t d : *this) n *= d;
  return n;
}

bool operator==(const Shape& a, const Shape& b) {
  if (a.rank_ != b.rank_) return false;
  for (int64_t i = 0; i < a.rank_; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

std::ostream& operator<<(std::ostream& os, DType t) { return os << name(t); }
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << to_string(s); }

std::string to_string(const Shape& s) { return fmt::format("[{}]", fmt::join(s.begin(), s.end(), ", ")); }

Shape contiguous_strides(const Shape& s) {
  Shape st = s;
  int64_t acc = 1;
  for (int64_t i = s.rank() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
  const int64_t rank = std::max(a.rank(), b.rank());
  Shape out;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t ai = i - (rank - a.rank()), bi = i - (rank - b.rank());
    const int64_t da = ai >= 0 ? a[ai] : 1, db = bi >= 0 ? b[bi] : 1;
    check<ShapeError>(da == db || da == 1 || db == 1, "{}: shapes cannot be broadcast together; got {} and {}", op, a,
                      b);
    out.push_back(da == 1 ? db : da);
  }
  return out;
}

int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view op) {
  const int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
  check<IndexError>(axis >= lo && axis <= hi, "{}: axis {} is out of range for rank {}", op, axis, rank);
  return axis < 0 ? axis + std::max<int64_t>(rank, 1) : axis;
}

}  // namespace autodiff
