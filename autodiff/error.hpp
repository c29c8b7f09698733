#pragma once
// One exception hierarchy and one check function. Messages read
// "<op>: <what is wrong>; got <values>" and always print shapes.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace autodiff {

/// Base of every error Wengert throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
/// Shapes that do not fit an op (broadcasting, matmul, reshape, ...).
class ShapeError : public Error {
 public:
  using Error::Error;
};
/// A bad value: mixed dtypes, an out-of-range argument, a non-finite number in anomaly mode.
class ValueError : public Error {
 public:
  using Error::Error;
};
/// An axis or index outside its range.
class IndexError : public Error {
 public:
  using Error::Error;
};
/// Misuse of the tape: a stale Var, mixing tapes, backward through a non-scalar.
class TapeError : public Error {
 public:
  using Error::Error;
};
/// A file that cannot be read or parsed; the message names the file and byte offset.
class IoError : public Error {
 public:
  using Error::Error;
};

/// Throws E with a formatted message when cond is false.
template <class E = Error, class... Args>
void check(bool cond, fmt::format_string<Args...> format, Args&&... args) {
  if (!cond) [[unlikely]]
    throw E(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace autodiff
