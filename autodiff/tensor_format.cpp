// Printing: NumPy-like nested brackets, abbreviated with "..." past 6 entries per axis.
#include <fmt/format.h>

#include <ostream>

#include "autodiff/tensor.hpp"

namespace autodiff {
namespace {

constexpr int64_t kEdge = 3;  // entries shown at each end of a long axis

void format_axis(std::string& out, const std::vector<double>& v, const Shape& shape, int64_t axis, int64_t base) {
  if (axis == shape.rank()) {
    out += fmt::format("{:.6g}", v[static_cast<size_t>(base)]);
    return;
  }
  int64_t inner = 1;
  for (int64_t i = axis + 1; i < shape.rank(); ++i) inner *= shape[i];
  const int64_t n = shape[axis];
  const bool abbreviate = n > 2 * kEdge;
  out += '[';
  for (int64_t i = 0; i < n; ++i) {
    if (abbreviate && i == kEdge) {
      out += "..., ";
      i = n - kEdge;
    }
    format_axis(out, v, shape, axis + 1, base + i * inner);
    if (i + 1 < n) out += ", ";
  }
  out += ']';
}

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "tensor(undefined)";
  std::string out = "tensor(";
  format_axis(out, t.to_vector(), t.shape(), 0, 0);
  out += fmt::format(", shape={}, dtype={})", t.shape(), t.dtype());
  return out;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace autodiff
