#include "autodiff/tensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>
#include <ostream>

#include "autodiff/tensor_map.hpp"

namespace autodiff {

Storage::Storage(size_t bytes) : data_(detail::allocate(bytes)), bytes_(bytes) {}

Storage::~Storage() { detail::deallocate(data_, bytes_); }

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  const int64_t n = shape.numel();
  check<ValueError>(n >= 0 && n < (int64_t{1} << 40), "empty: tensor of shape {} is too large", shape);
  return Tensor(std::make_shared<Storage>(static_cast<size_t>(n) * itemsize(dtype)), shape,
                contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::from(std::span<const double> values, const Shape& shape, DType dtype) {
  check<ShapeError>(static_cast<int64_t>(values.size()) == shape.numel(),
                    "from: {} values do not fill shape {} ({} elements)", values.size(), shape, shape.numel());
  Tensor t = empty(shape, dtype);
  dispatch(dtype, [&]<class T>(T) {
    T* p = t.data<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<T>(values[i]);
  });
  return t;
}

Tensor Tensor::from(std::initializer_list<double> values, const Shape& shape, DType dtype) {
  return from(std::span<const double>(values.begin(), values.size()), shape, dtype);
}

Tensor Tensor::scalar(double value, DType dtype) { return from({value}, Shape{}, dtype); }

int64_t Tensor::size(int64_t axis) const { return shape_[normalize_axis(axis, rank(), "size")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = rank() - 1; i >= 0; --i) {
    if (shape_[i] != 1 && strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

double Tensor::item() const {
  check<ValueError>(numel() == 1, "item: tensor has {} elements (shape {}), not 1", numel(), shape_);
  return dispatch(dtype_, [&]<class T>(T) { return static_cast<double>(*data<T>()); });
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  check<IndexError>(static_cast<int64_t>(index.size()) == rank(), "at: {} indices for a tensor of shape {}",
                    index.size(), shape_);
  int64_t off = 0, axis = 0;
  for (int64_t i : index) {
    check<IndexError>(i >= 0 && i < shape_[axis], "at: index {} out of range for axis {} of shape {}", i, axis,
                      shape_);
    off += i * strides_[axis++];
  }
  return dispatch(dtype_, [&]<class T>(T) { return static_cast<double>(data<T>()[off]); });
}

std::vector<double> Tensor::to_vector() const {
  const Tensor t = to(DType::f64).contiguous();
  const double* p = t.data<double>();
  return {p, p + t.numel()};
}

Tensor Tensor::reshape(const Shape& shape) const {
  check<ShapeError>(shape.numel() == numel(), "reshape: cannot reshape {} ({} elements) into {}", shape_, numel(),
                    shape);
  if (!is_contiguous()) return contiguous().reshape(shape);
  return Tensor(storage_, shape, contiguous_strides(shape), offset_, dtype_);
}

Tensor Tensor::transpose(int64_t axis0, int64_t axis1) const {
  if (rank() < 2) return *this;  // like NumPy's .T on a vector
  const int64_t a = normalize_axis(axis0, rank(), "transpose"), b = normalize_axis(axis1, rank(), "transpose");
  Tensor t = *this;
  std::swap(t.shape_[a], t.shape_[b]);
  std::swap(t.strides_[a], t.strides_[b]);
  return t;
}

Tensor Tensor::permute(std::span<const int64_t> axes) const {
  check<ShapeError>(static_cast<int64_t>(axes.size()) == rank(), "permute: {} axes for a tensor of shape {}",
                    axes.size(), shape_);
  Tensor t = *this;
  std::array<bool, kMaxRank> seen{};
  for (int64_t i = 0; i < rank(); ++i) {
    const int64_t a = normalize_axis(axes[static_cast<size_t>(i)], rank(), "permute");
    check<ShapeError>(!seen[static_cast<size_t>(a)], "permute: axis {} repeated in [{}]", a, fmt::join(axes, ", "));
    seen[static_cast<size_t>(a)] = true;
    t.shape_[i] = shape_[a];
    t.strides_[i] = strides_[a];
  }
  return t;
}

Tensor Tensor::slice(int64_t axis, int64_t start, int64_t stop, int64_t step) const {
  const int64_t a = normalize_axis(axis, rank(), "slice");
  check<ValueError>(step > 0, "slice: step must be positive; got {}", step);
  const int64_t n = shape_[a];
  auto clampi = [n](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + n : i, 0, n); };
  const int64_t s = clampi(start), e = std::max(clampi(stop), s);
  Tensor t = *this;
  t.offset_ += s * strides_[a];
  t.shape_[a] = (e - s + step - 1) / step;
  t.strides_[a] = strides_[a] * step;
  return t;
}

Tensor Tensor::broadcast_to(const Shape& shape) const {
  const Shape out = broadcast_shapes(shape_, shape, "broadcast_to");
  check<ShapeError>(out == shape, "broadcast_to: cannot broadcast {} to {}", shape_, shape);
  return Tensor(storage_, shape, broadcast_strides(*this, shape, "broadcast_to"), offset_, dtype_);
}

Tensor Tensor::unsqueeze(int64_t axis) const {
  const int64_t a = normalize_axis(axis, rank() + 1, "unsqueeze");
  Tensor t = *this;
  t.shape_.insert(a, 1);
  t.strides_.insert(a, a < rank() ? strides_[a] * shape_[a] : 1);
  return t;
}

Tensor Tensor::squeeze(int64_t axis) const {
  const int64_t a = normalize_axis(axis, rank(), "squeeze");
  check<ShapeError>(shape_[a] == 1, "squeeze: axis {} has extent {}, not 1; got {}", a, shape_[a], shape_);
  Tensor t = *this;
  t.shape_.erase(a);
  t.strides_.erase(a);
  return t;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  return map(*this, [](auto v) { return v; });
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor out = empty(shape_, dtype);
  dispatch(dtype_, [&]<class U>(U) {
    dispatch(dtype, [&]<class T>(T) {
      const Tensor* in[1] = {this};
      kernels::map1(make_layout<2>(shape_, in, "to"), out.data<T>(), data<U>(), [](U v) { return static_cast<T>(v); });
    });
  });
  return out;
}

void Tensor::copy_(const Tensor& src) const {
  check_same_dtype("copy_", *this, src);
  const Shape from = broadcast_strides(src, shape_, "copy_");
  kernels::Layout<2> l;
  l.rank = static_cast<int>(rank());
  for (int i = 0; i < l.rank; ++i) {
    l.shape[i] = shape_[i];
    l.strides[0][i] = strides_[i];
    l.strides[1][i] = from[i];
  }
  dispatch(dtype_, [&]<class T>(T) { kernels::copy(l, data<T>(), src.data<T>()); });
}

void Tensor::add_(const Tensor& src) const {
  check_same_dtype("add_", *this, src);
  const Tensor* in[2] = {this, &src};
  kernels::Layout<3> l = make_layout<3>(shape_, in, "add_");
  for (int i = 0; i < l.rank; ++i) l.strides[0][i] = l.strides[1][i];  // the destination is operand 1 too
  l.coalesce();
  dispatch(dtype_, [&]<class T>(T) {
    T* dst = data<T>();
    const T* s = src.data<T>();
    if (l.rank == 0 || l.strides[0][l.rank - 1] == 1) {  // map2 writes rows with unit stride
      kernels::map2(l, dst, dst, s, [](T a, T b) { return a + b; });
      return;
    }
    const int64_t rows = l.numel() / l.shape[l.rank - 1];  // a column or other strided block: small
    kernels::for_rows(l, 0, rows, [&](const std::array<int64_t, 3>& o, int64_t n, const std::array<int64_t, 3>& st) {
      for (int64_t i = 0; i < n; ++i) dst[o[0] + i * st[0]] += s[o[2] + i * st[2]];
    });
  });
}

void Tensor::fill_(double v) const {
  if (!is_contiguous()) return copy_(Tensor::scalar(v, dtype_));
  // Zeros are all-zero bytes in f32 and f64 (but -0.0 is not).
  const bool zero_bytes = v == 0.0 && !std::signbit(v);
  dispatch(dtype_, [&]<class T>(T) {
    T* p = data<T>();
    const T x = static_cast<T>(v);
    kernels::parallel_for(numel(), 4 * kernels::kElementwiseGrain, [&](int64_t b, int64_t e) {
      if (zero_bytes)
        std::memset(p + b, 0, static_cast<size_t>(e - b) * sizeof(T));
      else
        std::fill(p + b, p + e, x);
    });
  });
}

Shape broadcast_strides(const Tensor& t, const Shape& out, std::string_view op) {
  check<ShapeError>(t.rank() <= out.rank(), "{}: cannot broadcast {} to {}", op, t.shape(), out);
  Shape s = out;
  const int64_t lead = out.rank() - t.rank();
  for (int64_t i = 0; i < out.rank(); ++i) {
    if (i < lead) {
      s[i] = 0;
      continue;
    }
    const int64_t d = t.shape()[i - lead];
    check<ShapeError>(d == out[i] || d == 1, "{}: cannot broadcast {} to {}", op, t.shape(), out);
    s[i] = d == out[i] ? t.strides()[i - lead] : 0;
  }
  return s;
}

void check_same_dtype(std::string_view op, const Tensor& a, const Tensor& b) {
  check<ValueError>(a.dtype() == b.dtype(), "{}: dtypes differ; got {} {} and {} {}", op, a.dtype(), a.shape(),
                    b.dtype(), b.shape());
}

Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype);
  t.fill_(value);
  return t;
}
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }

Tensor arange(double start, double stop, double step, DType dtype) {
  check<ValueError>(step != 0, "arange: step must not be zero");
  const auto n = static_cast<int64_t>(std::max(0.0, std::ceil((stop - start) / step)));
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<double>(i) * step;
  return Tensor::from(v, Shape{n}, dtype);
}

Tensor linspace(double start, double stop, int64_t n, DType dtype) {
  check<ValueError>(n >= 0, "linspace: count must be non-negative; got {}", n);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[static_cast<size_t>(i)] = n == 1 ? start : start + (stop - start) * static_cast<double>(i) / double(n - 1);
  return Tensor::from(v, Shape{n}, dtype);
}

Tensor eye(int64_t n, DType dtype) {
  Tensor t = zeros(Shape{n, n}, dtype);
  dispatch(dtype, [&]<class T>(T) {
    for (int64_t i = 0; i < n; ++i) t.data<T>()[i * n + i] = T(1);
  });
  return t;
}

// Printing: NumPy-like nested brackets, abbreviated with "..." past 6 entries per axis.
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
