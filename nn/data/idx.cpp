#include "nn/data/idx.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

namespace nn::data {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = std::size_t{1} << 20;        // gzip is read in steps of this
constexpr std::size_t kReserveCap = std::size_t{64} << 20;  // most a gzip header may pre-allocate
constexpr std::size_t kHeaderBytes = 4;

[[noreturn]] void fail_open(const fs::path& file, std::string_view why) {
  throw DataError(fmt::format("read_idx: {}: cannot open: {}", file.string(), why));
}

// A byte stream that knows its offset, so every error can name file and byte.
class Source {
 public:
  Source(fs::path file, bool gzip) : file_(std::move(file)), gzip_(gzip) {}
  virtual ~Source() = default;
  /// Reads up to n bytes; fewer only at the end of the stream.
  virtual std::size_t read(std::uint8_t* out, std::size_t n) = 0;
  /// Bytes left when known without reading (plain files), so sizes are checked before allocating.
  virtual std::optional<std::uint64_t> remaining() const = 0;

  std::uint64_t offset() const { return offset_; }
  std::string_view noun() const { return gzip_ ? "decompressed stream" : "file"; }

  [[noreturn]] void fail(std::string_view what, std::uint64_t at, std::string_view detail) const {
    throw DataError(fmt::format("read_idx: {}: {} at byte {}{}: {}", file_.string(), what, at,
                                gzip_ ? " of the decompressed stream" : "", detail));
  }

 protected:
  fs::path file_;
  bool gzip_;
  std::uint64_t offset_ = 0;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

class PlainSource final : public Source {
 public:
  PlainSource(fs::path file, FilePtr f, std::uint64_t size)
      : Source(std::move(file), false), f_(std::move(f)), size_(size) {}

  std::size_t read(std::uint8_t* out, std::size_t n) override {
    std::size_t got = std::fread(out, 1, n, f_.get());
    if (got < n && std::ferror(f_.get())) fail("read error", offset_ + got, std::strerror(errno));
    offset_ += got;
    return got;
  }
  std::optional<std::uint64_t> remaining() const override { return size_ > offset_ ? size_ - offset_ : 0; }

 private:
  FilePtr f_;
  std::uint64_t size_;
};

// Inflates with zlib directly (not gzread, which inflates ahead into its own buffer), so an
// error's offset is exactly where the decompressed stream broke.
class GzipSource final : public Source {
 public:
  GzipSource(fs::path file, FilePtr f) : Source(std::move(file), true), f_(std::move(f)), in_(kChunk) {
    if (inflateInit2(&z_, 15 + 16) != Z_OK) fail("gzip error", 0, "cannot initialise zlib");  // 16: gzip only
  }
  ~GzipSource() override { inflateEnd(&z_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(std::uint8_t* out, std::size_t n) override {
    std::size_t got = 0;
    while (got < n && !done_) {
      z_.next_out = out + got;
      z_.avail_out = static_cast<uInt>(std::min(n - got, kChunk));
      uInt before = z_.avail_out;
      step();
      got += before - z_.avail_out;
    }
    return got;
  }
  std::optional<std::uint64_t> remaining() const override { return std::nullopt; }

 private:
  // One inflate call, refilling the input first; offset_ advances with the output, so a
  // failure names the exact decompressed byte.
  void step() {
    if (z_.avail_in == 0 && !refill())
      fail("gzip error", offset_, "the compressed file ends before the gzip stream does");
    uInt before = z_.avail_out;
    int ret = inflate(&z_, Z_NO_FLUSH);
    offset_ += before - z_.avail_out;
    if (ret == Z_STREAM_END) return next_member();
    if (ret != Z_OK && ret != Z_BUF_ERROR) fail("gzip error", offset_, z_.msg ? z_.msg : zError(ret));
  }
  bool refill() {
    std::size_t r = std::fread(in_.data(), 1, in_.size(), f_.get());
    if (r == 0 && std::ferror(f_.get())) fail("read error", offset_, std::strerror(errno));
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(r);
    return r > 0;
  }
  // Concatenated gzip members form one stream (as gzip -d reads them); anything else after is corrupt.
  void next_member() {
    if (z_.avail_in == 0 && !refill()) {
      done_ = true;
      return;
    }
    if (z_.next_in[0] != 0x1f)
      fail("gzip error", offset_, "bytes after the end of the gzip stream are not another gzip member");
    inflateReset(&z_);
  }

  FilePtr f_;
  std::vector<std::uint8_t> in_;
  z_stream z_{};
  bool done_ = false;
};

// Plain or gzip by the magic bytes, not by name; `size` is the byte count of f.
std::unique_ptr<Source> make_source(const fs::path& file, FilePtr f, std::uint64_t size) {
  std::uint8_t magic[2] = {0, 0};
  std::size_t got = std::fread(magic, 1, 2, f.get());
  std::rewind(f.get());
  if (got == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    return std::make_unique<GzipSource>(file, std::move(f));
  return std::make_unique<PlainSource>(file, std::move(f), size);
}

std::unique_ptr<Source> open_source(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) fail_open(file, "is a directory");
  FilePtr f(std::fopen(file.c_str(), "rb"));
  if (!f) fail_open(file, std::strerror(errno));
  std::uint64_t size = fs::file_size(file, ec);
  if (ec) fail_open(file, ec.message());
  return make_source(file, std::move(f), size);
}

void read_exact(Source& src, std::uint8_t* out, std::size_t n, std::string_view what) {
  std::uint64_t at = src.offset();
  std::size_t got = src.read(out, n);
  if (got < n)
    src.fail("truncated", at, fmt::format("expected {} bytes of {}, {} has {}", n, what, src.noun(), got));
}

// The IDX element types; all are recognised so that an error can name them, only u8 is read.
std::string_view type_name(std::uint8_t type) {
  constexpr std::pair<std::uint8_t, std::string_view> kTypes[] = {
      {0x08, "u8"}, {0x09, "i8"}, {0x0B, "i16"}, {0x0C, "i32"}, {0x0D, "f32"}, {0x0E, "f64"}};
  for (auto [code, name] : kTypes)
    if (code == type) return name;
  return {};
}

void check_header(const Source& src, const std::uint8_t (&head)[kHeaderBytes]) {
  if (head[0] != 0 || head[1] != 0)
    src.fail("bad magic", 0,
             fmt::format("expected 00 00 (IDX) or 1f 8b (gzip), got {:02x} {:02x}", head[0], head[1]));
  std::string_view type = type_name(head[2]);
  if (type.empty()) src.fail("bad type", 2, fmt::format("unknown IDX type byte 0x{:02x}", head[2]));
  if (type != "u8")
    src.fail("bad type", 2,
             fmt::format("IDX type 0x{:02x} ({}) is not supported; only 0x08 (u8) is", head[2], type));
  if (head[3] < 1 || head[3] > kIdxMaxRank)
    src.fail("bad rank", 3, fmt::format("rank {}; expected 1 to {}", head[3], kIdxMaxRank));
}

std::vector<int64_t> read_dims(Source& src, int rank) {
  std::vector<std::uint8_t> raw(4 * static_cast<std::size_t>(rank));
  read_exact(src, raw.data(), raw.size(), fmt::format("dims for rank {}", rank));
  std::vector<int64_t> dims;
  for (int i = 0; i < rank; ++i) {
    const std::uint8_t* p = &raw[4 * static_cast<std::size_t>(i)];
    auto d = static_cast<int64_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                  (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
    std::uint64_t at = kHeaderBytes + 4 * static_cast<std::uint64_t>(i);
    if (d == 0) src.fail("bad dimension", at, fmt::format("dimension {} is 0", i));
    if (d > kIdxMaxDim)
      src.fail("bad dimension", at, fmt::format("dimension {} is {}; the limit is {}", i, d, kIdxMaxDim));
    dims.push_back(d);
  }
  return dims;
}

int64_t element_count(const Source& src, const std::vector<int64_t>& dims) {
  int64_t count = 1;
  for (int64_t d : dims) {
    // Divide before multiplying, so the check itself cannot overflow.
    if (count > kIdxMaxElements / d)
      src.fail("dims overflow", kHeaderBytes,
               fmt::format("product of dims {} exceeds the limit of {} elements", dims, kIdxMaxElements));
    count *= d;
  }
  return count;
}

// Plain files: the size is known, so a lying header is caught before anything is allocated.
std::vector<std::uint8_t> read_plain_data(Source& src, std::uint64_t count, std::uint64_t left) {
  std::uint64_t at = src.offset();
  if (left < count)
    src.fail("truncated", at, fmt::format("expected {} bytes of data, file has {}", count, left));
  if (left > count)
    src.fail("trailing bytes", at + count,
             fmt::format("{} bytes after the {} bytes of data", left - count, count));
  std::vector<std::uint8_t> data(count);
  read_exact(src, data.data(), data.size(), "data");
  return data;
}

// Gzip: the inflated size is unknown, so the buffer grows only as data actually arrives.
std::vector<std::uint8_t> read_gzip_data(Source& src, std::uint64_t count) {
  std::uint64_t at = src.offset();
  std::vector<std::uint8_t> data;
  data.reserve(std::min<std::uint64_t>(count, kReserveCap));
  while (data.size() < count) {
    std::size_t old = data.size();
    std::size_t step = std::min<std::uint64_t>(count - old, kChunk);
    data.resize(old + step);
    std::size_t got = src.read(data.data() + old, step);
    if (got < step)
      src.fail("truncated", at,
               fmt::format("expected {} bytes of data, decompressed stream has {}", count, old + got));
  }
  std::uint8_t extra = 0;
  // Reading past the end also makes zlib verify the CRC and length trailer.
  if (src.read(&extra, 1) > 0)
    src.fail("trailing bytes", at + count, "the decompressed stream continues after the data");
  return data;
}

IdxArray parse(std::unique_ptr<Source> src) {
  std::uint8_t head[kHeaderBytes];
  read_exact(*src, head, kHeaderBytes, "header");
  check_header(*src, head);
  IdxArray out;
  out.dims = read_dims(*src, head[3]);
  auto count = static_cast<std::uint64_t>(element_count(*src, out.dims));
  std::optional<std::uint64_t> left = src->remaining();
  out.data = left ? read_plain_data(*src, count, *left) : read_gzip_data(*src, count);
  return out;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& file) { return parse(open_source(file)); }

IdxArray parse_idx(std::string_view bytes, const std::string& source) {
  // fmemopen gives the bytes a FILE*, so memory and files share every line of the parser, gzip included.
  static char empty = 0;
  char* data = bytes.empty() ? &empty : const_cast<char*>(bytes.data());  // "rb": never written through
  FilePtr f(fmemopen(data, bytes.size(), "rb"));
  if (!f) fail_open(source, std::strerror(errno));
  return parse(make_source(source, std::move(f), bytes.size()));
}

}  // namespace nn::data
