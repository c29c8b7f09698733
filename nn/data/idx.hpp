#pragma once
// IDX files (the MNIST format), plain or gzip-compressed.
//
// Layout: bytes 0-1 are zero, byte 2 the element type, byte 3 the rank, then
// `rank` big-endian u32 dims, then the row-major data. Only the u8 type (0x08)
// is read: MNIST and Fashion-MNIST are all u8. The other IDX types (i8 0x09,
// i16 0x0B, i32 0x0C, f32 0x0D, f64 0x0E) are recognised and rejected by name.

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autodiff/error.hpp"

namespace nn::data {

/// A malformed, missing or unreadable data file; the message names the file and byte offset.
class DataError : public autodiff::IoError {
 public:
  using autodiff::IoError::IoError;
};

/// An IDX array of bytes: dims in file order ([n, rows, cols] for images), data row-major.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

/// Rank limit of read_idx; IDX allows 255, data sets use 1 to 3.
inline constexpr int kIdxMaxRank = 4;
/// Largest dimension read_idx accepts (a u32 with the top bit set is garbage, not a size).
inline constexpr int64_t kIdxMaxDim = INT32_MAX;
/// Largest element count read_idx accepts (1 TiB of u8).
inline constexpr int64_t kIdxMaxElements = int64_t{1} << 40;

/// Reads a u8 IDX file, plain or gzip (recognised by the magic bytes 1f 8b, not by name).
/// Throws DataError on any defect; for gzip the offset counts decompressed bytes.
IdxArray read_idx(const std::filesystem::path& file);
/// read_idx of bytes already in memory (plain or gzip); `source` names them in errors. Used by the fuzzer.
IdxArray parse_idx(std::string_view bytes, const std::string& source);

}  // namespace nn::data
