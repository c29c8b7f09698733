#pragma once
// n-d data: dtype, shape, strides and shared storage. No autograd here; Var adds it.
// Copies share storage (like NumPy views); clone() copies the data.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "autodiff/allocator.hpp"
#include "autodiff/dtype.hpp"
#include "autodiff/error.hpp"
#include "autodiff/shape.hpp"

namespace autodiff {

/// 64-byte aligned bytes that tensors share, from the caching allocator (autodiff/allocator.hpp).
class Storage {
 public:
  explicit Storage(size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_;
  size_t bytes_;
};

class Tensor {
 public:
  /// An undefined tensor (defined() is false), e.g. a gradient not yet computed.
  Tensor() = default;
  /// Uninitialized contiguous tensor.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  /// Copies values (row-major) into a new tensor of the given shape.
  static Tensor from(std::span<const double> values, const Shape& shape, DType dtype = DType::f32);
  static Tensor from(std::initializer_list<double> values, const Shape& shape, DType dtype = DType::f32);
  static Tensor scalar(double value, DType dtype = DType::f32);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  DType dtype() const { return dtype_; }
  int64_t rank() const { return shape_.rank(); }
  int64_t numel() const { return shape_.numel(); }
  /// Extent of one axis (negative counts from the end).
  int64_t size(int64_t axis) const;
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  /// Typed pointer to the first element; throws ValueError when T is not the dtype.
  template <class T>
  T* data() const {
    check<ValueError>(dtype_of<T>() == dtype_, "data: tensor holds {}, not {}", dtype_, dtype_of<T>());
    return static_cast<T*>(storage_->data()) + offset_;
  }
  /// The single value of a one-element tensor, as double.
  double item() const;
  /// Element at a full index, as double (for tests and printing; not for loops).
  double at(std::initializer_list<int64_t> index) const;
  /// All values in row-major order, as double.
  std::vector<double> to_vector() const;

  // Views (no copy) where the strides allow; otherwise a copy.
  Tensor reshape(const Shape& shape) const;
  Tensor transpose(int64_t axis0 = -2, int64_t axis1 = -1) const;
  Tensor permute(std::span<const int64_t> axes) const;
  Tensor permute(std::initializer_list<int64_t> axes) const { return permute(std::span(axes.begin(), axes.size())); }
  Tensor slice(int64_t axis, int64_t start, int64_t stop, int64_t step = 1) const;
  Tensor broadcast_to(const Shape& shape) const;
  Tensor unsqueeze(int64_t axis) const;
  Tensor squeeze(int64_t axis) const;
  /// This tensor if already contiguous, else a contiguous copy.
  Tensor contiguous() const;
  /// A contiguous copy that shares nothing.
  Tensor clone() const;
  /// Converted to another dtype (a copy; this tensor if already that dtype).
  Tensor to(DType dtype) const;
  /// Copies src (broadcast to this shape, same dtype) into this tensor's elements in place. This tensor
  /// may be a view, such as a block or a stepped slice of a larger one.
  void copy_(const Tensor& src) const;
  /// Adds src (broadcast to this shape, same dtype) into this tensor's elements in place. This tensor
  /// may be a view, such as a block of a larger one.
  void add_(const Tensor& src) const;
  /// Sets every element to v in place.
  void fill_(double v) const;

 private:
  Tensor(std::shared_ptr<Storage> storage, Shape shape, Shape strides, int64_t offset, DType dtype)
      : storage_(std::move(storage)), shape_(shape), strides_(strides), offset_(offset), dtype_(dtype) {}

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::f32;
};

/// Throws ValueError naming `op` and both dtypes when a and b differ.
void check_same_dtype(std::string_view op, const Tensor& a, const Tensor& b);

// Factories.
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
Tensor zeros_like(const Tensor& t);
/// [start, stop) in steps of step, as a 1-d tensor.
Tensor arange(double start, double stop, double step = 1, DType dtype = DType::f32);
/// n evenly spaced values from start to stop inclusive.
Tensor linspace(double start, double stop, int64_t n, DType dtype = DType::f32);
/// n×n identity.
Tensor eye(int64_t n, DType dtype = DType::f32);

/// "tensor([[1, 2], [3, 4]], shape=[2, 2], dtype=float32)", abbreviated when large.
std::string to_string(const Tensor& t);
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace autodiff

template <>
struct fmt::formatter<autodiff::Tensor> : fmt::formatter<std::string> {
  auto format(const autodiff::Tensor& t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(autodiff::to_string(t), ctx);
  }
};
