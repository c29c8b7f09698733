#pragma once
// Internal to safetensors.cpp: the JSON header, parsed and type-checked with
// the file byte of every entry and field, so each error can point at it.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nn::io::detail {

/// File byte where the JSON header starts (after the u64 length).
inline constexpr std::uint64_t kHeaderStart = 8;

/// One tensor's header entry; the at_* members are file bytes of the name and of each field's key.
struct HeaderEntry {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::int64_t numel = 1;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t at_name = kHeaderStart;
  std::uint64_t at_dtype = kHeaderStart;
  std::uint64_t at_shape = kHeaderStart;
  std::uint64_t at_offsets = kHeaderStart;
};

struct Header {
  std::vector<HeaderEntry> entries;  // in the order of their names (the order is irrelevant to the format)
  std::map<std::string, std::string> metadata;
};

/// Throws autodiff::IoError "safetensors: <source>: byte <at>: <what>".
[[noreturn]] void fail(const std::string& source, std::uint64_t at, std::string_view what);

/// Parses the header text (file bytes [8, 8 + size)): valid JSON, no duplicate keys, every entry an object
/// with a string dtype, a shape of non-negative integers whose product fits int64, and data_offsets
/// [begin, end] with begin <= end; "__metadata__" a map of strings. Dtype names and the data section are
/// checked by the caller.
Header parse_header(std::string_view text, const std::string& source);

}  // namespace nn::io::detail
