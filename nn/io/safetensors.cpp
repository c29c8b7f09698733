#include "nn/io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "nn/io/atomic_file.hpp"
#include "nn/io/checksums.hpp"
#include "nn/io/safetensors_header.hpp"

namespace nn::io {
namespace {

using autodiff::DType;
using autodiff::Tensor;
using detail::fail;
using detail::kHeaderStart;

// The data is little-endian on disk and copied as is; a big-endian port would swap here.
static_assert(std::endian::native == std::endian::little, "safetensors I/O assumes a little-endian host");

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit

// A dtype we read: its on-disk item size, the tensor dtype it becomes, and how its bytes convert.
struct Reader {
  std::string_view name;
  std::size_t itemsize;
  DType dtype;
  void (*convert)(const unsigned char* in, std::size_t n, void* out);
};

void copy_f32(const unsigned char* in, std::size_t n, void* out) { std::memcpy(out, in, n * 4); }
void copy_f64(const unsigned char* in, std::size_t n, void* out) { std::memcpy(out, in, n * 8); }

// IEEE binary16 to binary32, exact (every half is a float); NaN payloads are kept.
float half_to_float(std::uint16_t h) {
  std::uint32_t sign = std::uint32_t{h & 0x8000u} << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu;
  if (exp == 0) {
    float v = static_cast<float>(mant) * 0x1p-24f;  // zero or subnormal
    return sign ? -v : v;
  }
  std::uint32_t bits = exp == 31 ? sign | 0x7f800000u | (mant << 13) : sign | ((exp + 112) << 23) | (mant << 13);
  return std::bit_cast<float>(bits);
}
void f16_to_f32(const unsigned char* in, std::size_t n, void* out) {
  auto* o = static_cast<float*>(out);
  for (std::size_t i = 0; i < n; ++i) o[i] = half_to_float(static_cast<std::uint16_t>(in[2 * i] | (in[2 * i + 1] << 8)));
}
// bfloat16 is the top half of a float32.
void bf16_to_f32(const unsigned char* in, std::size_t n, void* out) {
  auto* o = static_cast<float*>(out);
  for (std::size_t i = 0; i < n; ++i)
    o[i] = std::bit_cast<float>(static_cast<std::uint32_t>(in[2 * i] | (in[2 * i + 1] << 8)) << 16);
}

constexpr Reader kReaders[] = {{"F32", 4, DType::f32, copy_f32},
                               {"F64", 8, DType::f64, copy_f64},
                               {"F16", 2, DType::f32, f16_to_f32},
                               {"BF16", 2, DType::f32, bf16_to_f32}};
// Valid safetensors dtypes that Wengert tensors (f32, f64) cannot hold; named so the error says so.
constexpr std::string_view kUnsupported[] = {"BOOL", "U8",  "I8",  "I16",     "U16",     "I32",    "U32",
                                             "I64",  "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3",
                                             "F6_E3M2"};

const Reader& reader_for(const detail::HeaderEntry& e, const std::string& source) {
  for (const Reader& r : kReaders)
    if (r.name == e.dtype) return r;
  std::string name = nlohmann::json(e.dtype).dump();
  if (std::find(std::begin(kUnsupported), std::end(kUnsupported), e.dtype) != std::end(kUnsupported))
    fail(source, e.at_dtype, fmt::format("tensor {}: unsupported dtype {}; readable: F32, F64, F16, BF16",
                                         nlohmann::json(e.name).dump(), name));
  fail(source, e.at_dtype, fmt::format("tensor {}: unknown dtype {}", nlohmann::json(e.name).dump(), name));
}

// The header length in the first 8 bytes of `start`, checked against the file's `size` and the limit.
std::uint64_t header_length(std::string_view start, std::uint64_t size, const std::string& source) {
  if (size < kHeaderStart || start.size() < kHeaderStart)
    fail(source, 0, fmt::format("the file has {} bytes; a safetensors file starts with an 8-byte header length", size));
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(start[static_cast<std::size_t>(i)]);
  if (n > size - kHeaderStart)
    fail(source, kHeaderStart, fmt::format("header length {} exceeds the file ({} bytes)", n, size));
  if (n > kMaxHeaderBytes)
    fail(source, kHeaderStart, fmt::format("header length {} exceeds the limit of {} bytes", n, kMaxHeaderBytes));
  return n;
}

detail::Header header_of(std::string_view text, const std::string& source) {
  if (text.empty() || text[0] != '{') fail(source, kHeaderStart, "the header does not start with '{'");
  return detail::parse_header(text, source);
}

std::ifstream open_for_reading(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec))
    throw autodiff::IoError(fmt::format("safetensors: {}: cannot open: {}", path.string(),
                                        in ? "is a directory" : std::strerror(errno)));
  return in;
}

// Everything the header claims about an entry, checked against the data section before anything is allocated.
void check_entry(const detail::HeaderEntry& e, const Reader& r, std::uint64_t data_bytes, const std::string& source) {
  std::string name = nlohmann::json(e.name).dump();
  if (e.end > data_bytes)
    fail(source, e.at_offsets, fmt::format("tensor {}: data_offsets [{}, {}] run past the data section ({} bytes)",
                                           name, e.begin, e.end, data_bytes));
  // numel < 2^63 and itemsize <= 8, so the product is exact in 128 bits.
  const auto needed = static_cast<unsigned __int128>(e.numel) * r.itemsize;
  if (needed != e.end - e.begin)
    fail(source, e.at_offsets, fmt::format("tensor {}: data_offsets [{}, {}] hold {} bytes; shape {} of {} needs {}",
                                           name, e.begin, e.end, e.end - e.begin, e.shape, r.name, needed));
}

// The format requires the tensors to tile the data section exactly: no overlap, no gap, nothing after.
void check_coverage(const std::vector<const detail::HeaderEntry*>& sorted, std::uint64_t data_start,
                    std::uint64_t data_bytes, const std::string& source) {
  std::uint64_t covered = 0;
  const detail::HeaderEntry* previous = nullptr;
  for (const detail::HeaderEntry* e : sorted) {
    if (e->begin < covered)
      fail(source, data_start + e->begin,
           fmt::format("tensor {} [{}, {}] overlaps tensor {} [{}, {}]", nlohmann::json(e->name).dump(), e->begin,
                       e->end, nlohmann::json(previous->name).dump(), previous->begin, previous->end));
    if (e->begin > covered)
      fail(source, data_start + covered,
           fmt::format("data bytes [{}, {}) belong to no tensor (before tensor {})", covered, e->begin,
                       nlohmann::json(e->name).dump()));
    covered = e->end;
    previous = e;
  }
  if (covered != data_bytes)
    fail(source, data_start + covered,
         fmt::format("data bytes [{}, {}) at the end belong to no tensor", covered, data_bytes));
}

}  // namespace

TensorFile parse_safetensors(const std::string& bytes, const std::string& source) {
  const std::uint64_t size = bytes.size();
  const std::uint64_t n = header_length(bytes, size, source);
  detail::Header header = header_of(std::string_view(bytes).substr(kHeaderStart, n), source);

  const std::uint64_t data_start = kHeaderStart + n, data_bytes = size - data_start;
  std::vector<const detail::HeaderEntry*> sorted;
  for (const detail::HeaderEntry& e : header.entries) {
    check_entry(e, reader_for(e, source), data_bytes, source);
    sorted.push_back(&e);
  }
  // Header order is the order of names; ties (empty tensors) keep it, so the result is deterministic.
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  check_coverage(sorted, data_start, data_bytes, source);

  TensorFile out;
  out.metadata = std::move(header.metadata);
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + data_start;
  // Files from other writers (PyTorch, NumPy) have no checksums and are read as they are.
  if (const auto it = out.metadata.find(kChecksumsKey); it != out.metadata.end()) {
    detail::verify_checksums(it->second, sorted, data, data_start, source);
    out.metadata.erase(it);
  }
  for (const detail::HeaderEntry* e : sorted) {
    const Reader& r = reader_for(*e, source);
    Tensor t = Tensor::empty(autodiff::Shape(e->shape), r.dtype);
    r.convert(data + e->begin, static_cast<std::size_t>(e->numel), t.storage()->data());
    out.tensors.emplace_back(e->name, std::move(t));
  }
  return out;
}

TensorFile load_safetensors(const std::filesystem::path& path) {
  std::ifstream in = open_for_reading(path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw autodiff::IoError(fmt::format("safetensors: {}: read error", path.string()));
  return parse_safetensors(std::move(bytes).str(), path.string());
}

namespace {

void check_utf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
  } catch (const nlohmann::json::exception& e) {
    throw autodiff::ValueError(fmt::format("save_safetensors: a name or metadata string is not UTF-8: {}", e.what()));
  }
}

// Refuses what no safetensors file can hold before anything is written: an undefined tensor, the reserved name,
// a duplicate, a string that is not UTF-8.
void check_names(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  std::set<std::string_view> names;
  for (const auto& [name, t] : tensors) {
    autodiff::check<autodiff::ValueError>(t.defined(), "save_safetensors: tensor \"{}\" is undefined", name);
    autodiff::check<autodiff::ValueError>(name != "__metadata__", "save_safetensors: \"__metadata__\" is reserved");
    autodiff::check<autodiff::ValueError>(names.insert(name).second, "save_safetensors: duplicate name \"{}\"", name);
    check_utf8(name);
  }
  for (const auto& [key, value] : metadata) check_utf8(key), check_utf8(value);
}

// Keys in the order the reference writer uses (metadata first; dtype, shape, data_offsets), so a file we
// write is byte-for-byte what safetensors.torch.save_file writes for the same tensors, in the same order, with
// the same metadata (ours holds the checksums too).
std::string header_json(const NamedTensors& tensors, const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * autodiff::itemsize(t.dtype());
    header[name] = {{"dtype", t.dtype() == DType::f32 ? "F32" : "F64"},
                    {"shape", t.shape().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  // Spaces pad the header to a multiple of 8 so the data starts aligned, as the reference writer does.
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// write_safetensors once check_names has passed: the header with the checksums, then the data.
void write_checked(std::ostream& out, const NamedTensors& tensors, std::map<std::string, std::string> metadata) {
  metadata[kChecksumsKey] = detail::checksums_json(tensors);
  const std::string header = header_json(tensors, metadata);
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(std::uint64_t{header.size()} >> (8 * i));
  out.write(reinterpret_cast<const char*>(length), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (const auto& [name, t] : tensors) {
    const Tensor c = t.contiguous();
    autodiff::dispatch(c.dtype(), [&]<class T>(T) {
      out.write(reinterpret_cast<const char*>(c.data<T>()), static_cast<std::streamsize>(c.numel() * sizeof(T)));
    });
  }
}

}  // namespace

void write_safetensors(std::ostream& out, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  check_names(tensors, metadata);
  write_checked(out, tensors, metadata);
}

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  check_names(tensors, metadata);  // before the target's temporary exists
  write_atomic(path, [&](std::ostream& out) { write_checked(out, tensors, metadata); });
}

std::map<std::string, std::string> load_safetensors_metadata(const std::filesystem::path& path) {
  std::ifstream in = open_for_reading(path);
  const std::string source = path.string();
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  std::string start(kHeaderStart, '\0');
  in.read(start.data(), static_cast<std::streamsize>(start.size()));
  start.resize(static_cast<std::size_t>(in.gcount()));
  const std::uint64_t n = header_length(start, ec ? 0 : size, source);
  std::string text(static_cast<std::size_t>(n), '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (static_cast<std::uint64_t>(in.gcount()) != n)
    throw autodiff::IoError(fmt::format("safetensors: {}: read error", source));
  detail::Header header = header_of(text, source);
  header.metadata.erase(kChecksumsKey);
  return header.metadata;
}

}  // namespace nn::io
