#pragma once
// Internal to safetensors.cpp: a CRC32 of each tensor's data bytes, kept in the
// header's "__metadata__" under "wengert.checksums" as JSON {name: "8 hex digits"},
// so a flipped bit fails the load instead of becoming a weight. Readers that do
// not know the key (PyTorch, NumPy) ignore it, as they ignore all metadata.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nn/io/safetensors.hpp"
#include "nn/io/safetensors_header.hpp"

namespace nn::io::detail {

/// The JSON to store under kChecksumsKey for these tensors (each one's bytes as written: contiguous, little-endian).
std::string checksums_json(const NamedTensors& tensors);
/// Checks every entry's bytes (data + entry.begin, as on disk) against the recorded JSON; an error names the file,
/// the tensor and the byte where its data starts. A tensor without a checksum, or one for no tensor, is an error.
void verify_checksums(const std::string& recorded, const std::vector<const HeaderEntry*>& entries,
                      const unsigned char* data, std::uint64_t data_start, const std::string& source);

}  // namespace nn::io::detail
