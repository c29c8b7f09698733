#pragma once
// A tensor shape (or strides): up to kMaxRank extents stored inline, so making
// a tensor never allocates for its shape.
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace autodiff {

inline constexpr int kMaxRank = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims) : Shape(std::span<const int64_t>(dims)) {}

  int64_t size() const { return rank_; }
  int64_t rank() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  int64_t operator[](int64_t i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& operator[](int64_t i) { return dims_[static_cast<size_t>(i)]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }
  int64_t* begin() { return dims_.data(); }
  int64_t* end() { return dims_.data() + rank_; }
  const int64_t* data() const { return dims_.data(); }
  int64_t back() const { return dims_[static_cast<size_t>(rank_ - 1)]; }
  void push_back(int64_t d);
  void insert(int64_t pos, int64_t d);
  void erase(int64_t pos);
  /// Product of the extents (1 for a scalar).
  int64_t numel() const;
  std::vector<int64_t> vec() const { return {begin(), end()}; }

  friend bool operator==(const Shape& a, const Shape& b);

 private:
  std::array<int64_t, kMaxRank> dims_{};
  int64_t rank_ = 0;
};

/// "[2, 3]"
std::string to_string(const Shape& s);
std::ostream& operator<<(std::ostream& os, const Shape& s);
/// Row-major strides (in elements) of a contiguous tensor of this shape.
Shape contiguous_strides(const Shape& s);
/// NumPy broadcasting of two shapes; `op` names the caller in the error.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);
/// Maps a possibly negative axis into [0, rank); `op` names the caller in the error.
int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view op);

}  // namespace autodiff

template <>
struct fmt::formatter<autodiff::Shape> : fmt::formatter<std::string> {
  auto format(const autodiff::Shape& s, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(autodiff::to_string(s), ctx);
  }
};
