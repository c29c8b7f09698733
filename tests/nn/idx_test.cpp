// GCC 12 at -O3 warns -Wrestrict inside Boost's data-test-case naming (a false positive, GCC bug 105651).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "nn/data/idx.hpp"
#include "nn/data/mnist.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;
using nn::data::DataError;
using Bytes = std::vector<std::uint8_t>;

namespace {

using testing::program_scratch;

Bytes idx(std::uint8_t type, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes out = {0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(d >> shift));
  out.insert(out.end(), data.begin(), data.end());
  return out;
}
Bytes u8(const std::vector<std::uint32_t>& dims, const Bytes& data) { return idx(0x08, dims, data); }

fs::path write_plain(const fs::path& file, const Bytes& bytes) {
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return file;
}

fs::path write_gzip(const fs::path& file, const Bytes& bytes) {
  gzFile gz = gzopen(file.c_str(), "wb");
  BOOST_REQUIRE(gz != nullptr);
  if (!bytes.empty()) BOOST_REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) > 0);
  BOOST_REQUIRE_EQUAL(gzclose(gz), Z_OK);
  return file;
}

Bytes read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// A predicate for BOOST_CHECK_EXCEPTION: the message holds every fragment; prints it when not.
auto says(std::vector<std::string> fragments) {
  return [fragments = std::move(fragments)](const DataError& e) {
    std::string what = e.what();
    for (const std::string& f : fragments)
      if (what.find(f) == std::string::npos) {
        BOOST_TEST_MESSAGE("message: " << what << "\n  lacks: " << f);
        return false;
      }
    return true;
  };
}

Bytes iota_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 7);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reads_plain_u8_file) {
  fs::path file = write_plain(program_scratch() / "plain", u8({2, 3}, {0, 1, 2, 253, 254, 255}));
  nn::data::IdxArray a = nn::data::read_idx(file);
  BOOST_TEST(a.dims == (std::vector<int64_t>{2, 3}), boost::test_tools::per_element());
  BOOST_TEST(a.data == (Bytes{0, 1, 2, 253, 254, 255}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gzip_is_detected_by_magic_not_by_name) {
  Bytes bytes = u8({4}, {9, 8, 7, 6});
  BOOST_TEST(nn::data::read_idx(write_gzip(program_scratch() / "gzip_no_suffix", bytes)).data == Bytes({9, 8, 7, 6}));
  BOOST_TEST(nn::data::read_idx(write_plain(program_scratch() / "plain_named.gz", bytes)).data == Bytes({9, 8, 7, 6}));
}

BOOST_AUTO_TEST_CASE(reads_gzip_larger_than_one_read_chunk) {
  Bytes data = iota_bytes(3 * 1024 * 1024 + 7);
  fs::path file = write_gzip(program_scratch() / "big.gz", u8({static_cast<std::uint32_t>(data.size())}, data));
  nn::data::IdxArray a = nn::data::read_idx(file);
  BOOST_TEST(a.dims == std::vector<int64_t>{static_cast<int64_t>(data.size())});
  BOOST_TEST((a.data == data));
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members_read_as_one_stream) {
  Bytes bytes = u8({6}, {1, 2, 3, 4, 5, 6});
  Bytes first(bytes.begin(), bytes.begin() + 9), second(bytes.begin() + 9, bytes.end());
  Bytes joined = read_bytes(write_gzip(program_scratch() / "part1.gz", first));
  Bytes tail = read_bytes(write_gzip(program_scratch() / "part2.gz", second));
  joined.insert(joined.end(), tail.begin(), tail.end());
  const fs::path file = write_plain(program_scratch() / "joined.gz", joined);
  BOOST_TEST(nn::data::read_idx(file).data == Bytes({1, 2, 3, 4, 5, 6}));
}

// ---- Corrupt files: one row each, the message names the file, the offset and the defect ----

enum class Container { plain, gzip, gzip_cut, gzip_bad_crc, gzip_bad_method, gzip_junk_after };

struct Corrupt {
  const char* name;
  Container container;
  Bytes bytes;
  std::vector<std::string> fragments;
};
std::ostream& operator<<(std::ostream& os, const Corrupt& c) { return os << c.name; }

fs::path write_corrupt(const Corrupt& c) {
  fs::path file = program_scratch() / c.name;
  if (c.container == Container::plain) return write_plain(file, c.bytes);
  Bytes gz = read_bytes(write_gzip(file, c.bytes));
  BOOST_REQUIRE(gz.size() > 12);
  if (c.container == Container::gzip_cut) gz.erase(gz.end() - 12, gz.end());
  if (c.container == Container::gzip_bad_crc) gz[gz.size() - 8] ^= 0xff;  // the CRC-32 trailer
  if (c.container == Container::gzip_bad_method) gz[2] = 7;               // 8 is deflate
  if (c.container == Container::gzip_junk_after) gz.insert(gz.end(), {0, 0, 0});
  return write_plain(file, gz);
}

const std::uint32_t kBig = 1u << 30;
// clang-format off
const std::vector<Corrupt> kCorrupt = {
  {"empty", Container::plain, {}, {"truncated at byte 0: expected 4 bytes of header, file has 0"}},
  {"short_header", Container::plain, {0, 0, 8}, {"truncated at byte 0: expected 4 bytes of header, file has 3"}},
  {"short_dims", Container::plain, {0, 0, 8, 3, 0, 0, 0, 2},
   {"truncated at byte 4: expected 12 bytes of dims for rank 3, file has 4"}},
  {"wrong_magic", Container::plain, {1, 0, 8, 1, 0, 0, 0, 1, 5},
   {"bad magic at byte 0: expected 00 00 (IDX) or 1f 8b (gzip), got 01 00"}},
  {"unsupported_type", Container::plain, idx(0x0D, {1}, {0, 0, 0, 0}),
   {"bad type at byte 2: IDX type 0x0d (f32) is not supported; only 0x08 (u8) is"}},
  {"unknown_type", Container::plain, idx(0x07, {1}, {0}), {"bad type at byte 2: unknown IDX type byte 0x07"}},
  {"rank_0", Container::plain, u8({}, {}), {"bad rank at byte 3: rank 0; expected 1 to 4"}},
  {"rank_5", Container::plain, u8({1, 1, 1, 1, 1}, {0}), {"bad rank at byte 3: rank 5; expected 1 to 4"}},
  {"zero_dim", Container::plain, u8({3, 0}, {}), {"bad dimension at byte 8: dimension 1 is 0"}},
  {"huge_dim", Container::plain, u8({0xFFFFFFFFu}, {}),
   {"bad dimension at byte 4: dimension 0 is 4294967295; the limit is 2147483647"}},
  {"dims_overflow", Container::plain, u8({kBig, kBig, kBig, kBig}, {}),
   {"dims overflow at byte 4: product of dims [1073741824, 1073741824, 1073741824, 1073741824] exceeds"}},
  {"truncated_data", Container::plain, u8({60000, 28, 28}, iota_bytes(1000)),
   {"truncated at byte 16: expected 47040000 bytes of data, file has 1000"}},
  // 512 GiB declared in a 12-byte file: rejected from the file size, before any allocation.
  {"hostile_size", Container::plain, u8({2147483647u, 256}, {}),
   {"truncated at byte 12: expected 549755813632 bytes of data, file has 0"}},
  {"trailing_bytes", Container::plain, u8({2}, {1, 2, 3}), {"trailing bytes at byte 10: 1 bytes after the 2"}},
  {"gz_wrong_magic", Container::gzip, {1, 0, 8, 1, 0, 0, 0, 1, 5}, {"bad magic at byte 0 of the decompressed stream"}},
  {"gz_truncated_data", Container::gzip, u8({100}, iota_bytes(10)),
   {"truncated at byte 8 of the decompressed stream: expected 100 bytes of data, decompressed stream has 10"}},
  // The same hostile header behind gzip: the buffer grows only as data arrives.
  {"gz_hostile_size", Container::gzip, u8({2147483647u, 256}, {}),
   {"truncated at byte 12 of the decompressed stream: expected 549755813632 bytes", "stream has 0"}},
  {"gz_trailing_bytes", Container::gzip, u8({2}, {1, 2, 3}),
   {"trailing bytes at byte 10 of the decompressed stream: the decompressed stream continues after the data"}},
  {"gz_cut", Container::gzip_cut, u8({4000}, iota_bytes(4000)),
   {"gzip error at byte ", " of the decompressed stream: the compressed file ends before the gzip stream does"}},
  {"gz_bad_crc", Container::gzip_bad_crc, u8({4000}, iota_bytes(4000)),
   {"gzip error at byte 4008 of the decompressed stream: incorrect data check"}},
  {"gz_bad_method", Container::gzip_bad_method, u8({4}, {1, 2, 3, 4}),
   {"gzip error at byte 0 of the decompressed stream: unknown compression method"}},
  {"gz_junk_after", Container::gzip_junk_after, u8({4}, {1, 2, 3, 4}),
   {"gzip error at byte 12 of the decompressed stream: bytes after the end of the gzip stream are not another"}},
};
// clang-format on

BOOST_DATA_TEST_CASE(corrupt_file_is_rejected_naming_file_and_offset, bdata::make(kCorrupt), row) {
  fs::path file = write_corrupt(row);
  std::vector<std::string> fragments = row.fragments;
  fragments.push_back("read_idx: " + file.string() + ": ");
  BOOST_CHECK_EXCEPTION(nn::data::read_idx(file), DataError, says(fragments));
}

BOOST_AUTO_TEST_CASE(missing_file_is_named) {
  fs::path file = program_scratch() / "no_such_file";
  BOOST_CHECK_EXCEPTION(nn::data::read_idx(file), DataError,
                        says({"read_idx: " + file.string() + ": cannot open: No such file or directory"}));
  BOOST_CHECK_EXCEPTION(nn::data::read_idx(program_scratch()), DataError, says({"cannot open: is a directory"}));
}

// ---- MNIST directories ----

std::vector<int64_t> sizes(const nn::data::Mnist& m) {
  return {m.train.n, m.train.rows, m.train.cols, m.test.n, m.test.rows, m.test.cols};
}

// Train: 3 images 2x2, plain and gzip; test: 2 images under the dotted names.
fs::path fake_mnist(const std::string& name) {
  fs::path dir = program_scratch() / name;
  fs::create_directories(dir);
  write_plain(dir / "train-images-idx3-ubyte", u8({3, 2, 2}, {0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8}));
  write_gzip(dir / "train-labels-idx1-ubyte.gz", u8({3}, {5, 0, 9}));
  write_plain(dir / "t10k-images.idx3-ubyte", u8({2, 2, 2}, {9, 9, 9, 9, 255, 255, 255, 255}));
  write_gzip(dir / "t10k-labels.idx1-ubyte.gz", u8({2}, {7, 2}));
  return dir;
}

BOOST_AUTO_TEST_CASE(load_mnist_reads_plain_gzip_and_dotted_names) {
  nn::data::Mnist m = nn::data::load_mnist(fake_mnist("fake_ok"));
  BOOST_TEST(sizes(m) == std::vector<int64_t>({3, 2, 2, 2, 2, 2}), boost::test_tools::per_element());
  BOOST_TEST(m.train.images.size() == 12u);
  BOOST_TEST(m.train.images[0] == 0.0f);
  BOOST_TEST(m.train.images[1] == 1.0f);
  BOOST_TEST(m.train.images[2] == 0.2f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(m.train.labels == Bytes({5, 0, 9}), boost::test_tools::per_element());
  BOOST_TEST(m.test.labels == Bytes({7, 2}), boost::test_tools::per_element());
}

struct BadMnist {
  const char* name;
  std::function<void(const fs::path&)> spoil;
  std::vector<std::string> fragments;
};
std::ostream& operator<<(std::ostream& os, const BadMnist& b) { return os << b.name; }

// clang-format off
const std::vector<BadMnist> kBadMnist = {
  {"missing_dir", [](const fs::path& d) { fs::remove_all(d); }, {": no such directory; run scripts/fetch_mnist.sh"}},
  {"missing_file", [](const fs::path& d) { fs::remove(d / "t10k-labels.idx1-ubyte.gz"); },
   {"missing t10k-labels-idx1-ubyte (also tried t10k-labels-idx1-ubyte.gz, t10k-labels.idx1-ubyte, "
    "t10k-labels.idx1-ubyte.gz); run scripts/fetch_mnist.sh"}},
  {"count_mismatch", [](const fs::path& d) { write_gzip(d / "train-labels-idx1-ubyte.gz", u8({2}, {1, 2})); },
   {"counts differ; got 3 images in ", " and 2 labels in "}},
  {"label_out_of_range", [](const fs::path& d) { write_gzip(d / "train-labels-idx1-ubyte.gz", u8({3}, {5, 10, 9})); },
   {"train-labels-idx1-ubyte.gz: label 10 at index 1 (byte 9); expected 0 to 9"}},
  {"images_rank_2", [](const fs::path& d) { write_plain(d / "train-images-idx3-ubyte", u8({3, 4}, Bytes(12))); },
   {"train-images-idx3-ubyte: images must have rank 3 [n, rows, cols]; got dims [3, 4]"}},
  {"labels_rank_2", [](const fs::path& d) { write_gzip(d / "train-labels-idx1-ubyte.gz", u8({3, 1}, {1, 2, 3})); },
   {"labels must have rank 1 [n]; got dims [3, 1]"}},
  {"sizes_differ", [](const fs::path& d) { write_plain(d / "t10k-images.idx3-ubyte", u8({2, 3, 3}, Bytes(18))); },
   {"image sizes differ; got train 2x2 and test 3x3"}},
  {"corrupt_file", [](const fs::path& d) { write_plain(d / "train-images-idx3-ubyte", u8({3, 2, 2}, Bytes(11))); },
   {"read_idx: ", "train-images-idx3-ubyte: truncated at byte 16: expected 12 bytes of data, file has 11"}},
};
// clang-format on

BOOST_DATA_TEST_CASE(load_mnist_rejects_bad_directory, bdata::make(kBadMnist), row) {
  fs::path dir = fake_mnist(std::string("bad_") + row.name);
  row.spoil(dir);
  BOOST_CHECK_EXCEPTION(nn::data::load_mnist(dir), DataError, says(row.fragments));
}

BOOST_AUTO_TEST_CASE(find_mnist_dir_prefers_flag_then_environment) {
  fs::path dir = fake_mnist("flagged");
  BOOST_TEST(nn::data::find_mnist_dir(dir) == dir);
  BOOST_CHECK_EXCEPTION(nn::data::find_mnist_dir(program_scratch()), DataError,
                        says({"--data " + program_scratch().string() + ": does not hold the four MNIST files"}));
  fs::path root = program_scratch() / "env_root";
  fs::create_directories(root);
  fs::rename(fake_mnist("env_mnist"), root / "mnist");
  ::setenv("WENGERT_DATA", root.c_str(), 1);
  BOOST_TEST(nn::data::find_mnist_dir(std::nullopt) == root / "mnist");
  ::unsetenv("WENGERT_DATA");
}

// Real data when scripts/fetch_mnist.sh has run; otherwise the error must say how to get it.
BOOST_AUTO_TEST_CASE(real_mnist_has_standard_counts_or_a_clear_error) {
  fs::path dir;
  try {
    dir = nn::data::find_mnist_dir(std::nullopt);
  } catch (const DataError& e) {
    BOOST_TEST(says({"find_mnist_dir: no MNIST files in any of: ", "scripts/fetch_mnist.sh"})(e));
    return;
  }
  nn::data::Mnist m = nn::data::load_mnist(dir);
  BOOST_TEST(sizes(m) == std::vector<int64_t>({60000, 28, 28, 10000, 28, 28}), boost::test_tools::per_element());
  BOOST_TEST(m.train.labels[0] == 5);  // the well-known first digits
  BOOST_TEST(m.test.labels[0] == 7);
}

BOOST_AUTO_TEST_CASE(real_fashion_mnist_has_standard_counts_or_a_clear_error) {
  if (!fs::exists(nn::data::kFashionMnistDir)) {
    BOOST_CHECK_EXCEPTION(nn::data::load_fashion_mnist(), DataError, says({"dataset-fashion-mnist"}));
    return;
  }
  nn::data::Mnist m = nn::data::load_fashion_mnist();
  BOOST_TEST(sizes(m) == std::vector<int64_t>({60000, 28, 28, 10000, 28, 28}), boost::test_tools::per_element());
  BOOST_TEST(m.train.labels[0] == 9);  // an ankle boot
}
