#include "nn/io/checksums.hpp"

#include <zlib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace nn::io::detail {
namespace {

using nlohmann::json;

// zlib's CRC32 (the one gzip and PNG use), so `python -c "zlib.crc32(...)"` reproduces it.
std::string crc32_hex(const unsigned char* data, std::size_t n) {
  return fmt::format("{:08x}", crc32_z(crc32_z(0, nullptr, 0), data, n));
}

std::string crc32_of(const autodiff::Tensor& t) {
  const autodiff::Tensor c = t.contiguous();
  return autodiff::dispatch(c.dtype(), [&]<class T>(T) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(c.data<T>());
    return crc32_hex(bytes, static_cast<std::size_t>(c.numel()) * sizeof(T));
  });
}

// The recorded map, or an error at the start of the data section (the header itself parsed fine).
std::map<std::string, std::string> parse_recorded(const std::string& recorded, std::uint64_t at,
                                                  const std::string& source) {
  std::map<std::string, std::string> out;
  const json j = json::parse(recorded, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) fail(source, at, fmt::format("metadata \"{}\" is not a JSON object of strings", kChecksumsKey));
  for (const auto& [name, crc] : j.items()) {
    if (!crc.is_string())
      fail(source, at, fmt::format("metadata \"{}\": the checksum of {} is not a string", kChecksumsKey,
                                   json(name).dump()));
    out[name] = crc.get<std::string>();
  }
  return out;
}

}  // namespace

std::string checksums_json(const NamedTensors& tensors) {
  json out = json::object();
  for (const auto& [name, t] : tensors) out[name] = crc32_of(t);
  return out.dump();
}

void verify_checksums(const std::string& recorded, const std::vector<const HeaderEntry*>& entries,
                      const unsigned char* data, std::uint64_t data_start, const std::string& source) {
  std::map<std::string, std::string> expected = parse_recorded(recorded, data_start, source);
  for (const HeaderEntry* e : entries) {
    const std::string name = json(e->name).dump();
    const auto it = expected.find(e->name);
    if (it == expected.end())
      fail(source, data_start + e->begin, fmt::format("tensor {} has no checksum in \"{}\"", name, kChecksumsKey));
    const std::string actual = crc32_hex(data + e->begin, static_cast<std::size_t>(e->end - e->begin));
    if (actual != it->second)
      fail(source, data_start + e->begin,
           fmt::format("tensor {}: the data does not match its checksum (CRC32 {}, recorded {}): the file is "
                       "corrupt, or was changed by a tool that kept our metadata",
                       name, actual, it->second));
    expected.erase(it);
  }
  if (!expected.empty())
    fail(source, data_start, fmt::format("\"{}\" lists tensor {}, which the file does not hold", kChecksumsKey,
                                         json(expected.begin()->first).dump()));
}

}  // namespace nn::io::detail
