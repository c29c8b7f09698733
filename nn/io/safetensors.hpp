#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): an
// 8-byte little-endian header length, a JSON header mapping each name to
// {dtype, shape, data_offsets} (plus an optional "__metadata__" map of
// strings), then the raw little-endian tensor bytes. PyTorch and NumPy read
// what we write and we read what they write.
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/tensor.hpp"

namespace nn::io {

using NamedTensors = std::vector<std::pair<std::string, autodiff::Tensor>>;

/// The metadata key of the CRC32 of each tensor's bytes, JSON {name: "8 hex digits"}: written on every save,
/// checked on every load of a file that has it, and not part of TensorFile::metadata.
inline constexpr const char* kChecksumsKey = "wengert.checksums";

struct TensorFile {
  NamedTensors tensors;  // in file order of their data offsets
  std::map<std::string, std::string> metadata;
};

/// Writes tensors (F32 or F64) and their checksums atomically: a temporary file beside `path`, flushed, then
/// renamed over it.
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
/// Writes the safetensors bytes of tensors (F32 or F64) to `out`, in the given order (save_safetensors without the file).
void write_safetensors(std::ostream& out, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});
/// Reads a safetensors file; every defect (a checksum that does not match included) is an autodiff::IoError naming
/// the file and the byte offset.
/// F16 and BF16 tensors are read as f32; other dtypes (integers, F8) are rejected by name.
TensorFile load_safetensors(const std::filesystem::path& path);
/// Only the metadata of a safetensors file (its header, checked as load_safetensors checks it), without reading the
/// tensors.
std::map<std::string, std::string> load_safetensors_metadata(const std::filesystem::path& path);
/// Parses safetensors bytes already in memory (`source` names them in errors); used by the fuzzer.
TensorFile parse_safetensors(const std::string& bytes, const std::string& source);

}  // namespace nn::io
