#pragma once
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace autodiff {

/// Element type of a tensor, chosen at run time: training in f32, gradient checks in f64.
enum class DType : uint8_t { f32, f64 };

constexpr std::string_view name(DType t) { return t == DType::f32 ? "float32" : "float64"; }
constexpr size_t itemsize(DType t) { return t == DType::f32 ? 4 : 8; }

std::ostream& operator<<(std::ostream& os, DType t);

template <class T>
constexpr DType dtype_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "Wengert tensors hold float or double");
  return std::is_same_v<T, float> ? DType::f32 : DType::f64;
}

/// Calls f(T{}) with T the C++ type of dtype t, so kernels are written once as templates.
template <class F>
decltype(auto) dispatch(DType t, F&& f) {
  if (t == DType::f32) return f(float{});
  return f(double{});
}

}  // namespace autodiff

template <>
struct fmt::formatter<autodiff::DType> : fmt::formatter<std::string_view> {
  auto format(autodiff::DType t, fmt::format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(autodiff::name(t), ctx);
  }
};
