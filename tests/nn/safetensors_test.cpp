#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "nn/io/safetensors.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;
using autodiff::DType;
using autodiff::IoError;
using autodiff::Shape;
using autodiff::Tensor;
using nn::io::load_safetensors;
using nn::io::save_safetensors;

namespace {

using testing::program_scratch;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
fs::path write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

// Little-endian bytes of an integer or float, as the format stores them.
template <class T>
std::string le(T v) {
  std::string out(sizeof v, '\0');
  auto bits = std::bit_cast<std::conditional_t<sizeof v == 8, std::uint64_t, std::uint32_t>>(v);
  for (std::size_t i = 0; i < sizeof v; ++i) out[i] = static_cast<char>(bits >> (8 * i));
  return out;
}
std::string u16(std::uint16_t v) { return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }
// A file: the u64 header length, the header as given (no padding), the data.
std::string st(const std::string& header, const std::string& data = "") {
  return le(std::uint64_t{header.size()}) + header + data;
}

Tensor ramp(const Shape& shape, DType dtype) {
  std::vector<double> v(static_cast<std::size_t>(shape.numel()));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 0.5 * static_cast<double>(i) - 3.25;
  return Tensor::from(v, shape, dtype);
}

const std::vector<Shape> kShapes = {{}, {0}, {3}, {2, 3}, {2, 0, 3}, {2, 3, 4}, {1, 2, 3, 2}};

}  // namespace

BOOST_DATA_TEST_CASE(round_trip_keeps_names_shapes_dtypes_and_values,
                     bdata::xrange(kShapes.size()) * bdata::make({DType::f32, DType::f64}), i, dtype) {
  const nn::io::NamedTensors tensors = {{"first", ramp(kShapes[i], dtype)}, {"dense_1.kernel", ramp({2, 2}, dtype)}};
  const fs::path path = program_scratch() / "round_trip.safetensors";
  save_safetensors(path, tensors, {{"format", "wengert"}, {"epoch", "3"}});
  const nn::io::TensorFile f = load_safetensors(path);
  BOOST_REQUIRE_EQUAL(f.tensors.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    BOOST_TEST(f.tensors[k].first == tensors[k].first);
    BOOST_TEST(f.tensors[k].second.shape() == tensors[k].second.shape());
    BOOST_TEST(f.tensors[k].second.dtype() == dtype);
    BOOST_TEST(f.tensors[k].second.to_vector() == tensors[k].second.to_vector(), boost::test_tools::per_element());
  }
  BOOST_TEST(f.metadata.at("format") == "wengert");
  BOOST_TEST(f.metadata.at("epoch") == "3");
}

BOOST_AUTO_TEST_CASE(non_contiguous_tensor_is_written_in_row_major_order) {
  const Tensor t = ramp({2, 3}, DType::f32).transpose();
  const fs::path path = program_scratch() / "transposed.safetensors";
  save_safetensors(path, {{"t", t}});
  const Tensor back = load_safetensors(path).tensors.at(0).second;
  BOOST_TEST(back.shape() == (Shape{3, 2}));
  BOOST_TEST(back.to_vector() == t.to_vector(), boost::test_tools::per_element());
}

// What safetensors.torch.save_file({"a": tensor([1.5, -2.0]), "b": tensor(0.25, dtype=float64)},
// metadata={"format": "pt"}) writes: compact JSON, metadata first, fields dtype/shape/data_offsets,
// the header padded with spaces to a multiple of 8, then the raw little-endian data.
const std::string kKnownHeader =
    R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
    R"("b":{"dtype":"F64","shape":[],"data_offsets":[8,16]}})";

std::string known_file() {
  std::string header = kKnownHeader + std::string((8 - kKnownHeader.size() % 8) % 8, ' ');
  return st(header, le(1.5f) + le(-2.0f) + le(0.25));
}

BOOST_AUTO_TEST_CASE(reads_a_file_laid_out_by_hand_as_pytorch_writes_it) {
  const nn::io::TensorFile f = load_safetensors(write_file(program_scratch() / "known.safetensors", known_file()));
  BOOST_REQUIRE_EQUAL(f.tensors.size(), 2u);
  BOOST_TEST(f.tensors[0].first == "a");
  BOOST_TEST(f.tensors[0].second.dtype() == DType::f32);
  BOOST_TEST(f.tensors[0].second.to_vector() == (std::vector<double>{1.5, -2.0}), boost::test_tools::per_element());
  BOOST_TEST(f.tensors[1].first == "b");
  BOOST_TEST(f.tensors[1].second.dtype() == DType::f64);
  BOOST_TEST(f.tensors[1].second.rank() == 0);
  BOOST_TEST(f.tensors[1].second.item() == 0.25);
  BOOST_TEST(f.metadata == (std::map<std::string, std::string>{{"format", "pt"}}));
}

BOOST_AUTO_TEST_CASE(writes_the_same_bytes_as_pytorch_given_the_same_metadata) {
  std::ostringstream out;
  nn::io::write_safetensors(out,
                            {{"a", Tensor::from({1.5, -2.0}, {2})}, {"b", Tensor::scalar(0.25, DType::f64)}},
                            {{"format", "pt"}});
  // Ours always adds the checksums, zlib.crc32 of each tensor's bytes, to the metadata.
  const std::string a = le(1.5f) + le(-2.0f), b = le(0.25);
  const auto crc = [](const std::string& s) {
    return crc32(0, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size()));
  };
  std::string header = kKnownHeader;
  header.insert(header.find("\"},") + 1, fmt::format(R"(,"wengert.checksums":"{{\"a\":\"{:08x}\",\"b\":\"{:08x}\"}}")",
                                                       crc(a), crc(b)));
  BOOST_TEST(out.str() == st(header + std::string((8 - header.size() % 8) % 8, ' '), a + b));
  BOOST_TEST((out.str().size() - 8 - 16) % 8 == 0u);
}

BOOST_AUTO_TEST_CASE(reads_f16_and_bf16_as_f32) {
  const std::string header = R"({"h":{"dtype":"F16","shape":[5],"data_offsets":[0,10]},)"
                             R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[10,14]}})";
  // 1, -2, 65504 (largest half), 2^-24 (smallest subnormal), +inf; then bf16 1 and -0.5.
  const std::string data = u16(0x3C00) + u16(0xC000) + u16(0x7BFF) + u16(0x0001) + u16(0x7C00) + u16(0x3F80) + u16(0xBF00);
  const nn::io::TensorFile f = nn::io::parse_safetensors(st(header, data), "half");
  BOOST_REQUIRE_EQUAL(f.tensors.size(), 2u);
  BOOST_TEST(f.tensors[0].second.dtype() == DType::f32);
  const double inf = std::numeric_limits<double>::infinity();
  BOOST_TEST(f.tensors[0].second.to_vector() == (std::vector<double>{1, -2, 65504, 0x1p-24, inf}),
             boost::test_tools::per_element());
  BOOST_TEST(f.tensors[1].second.to_vector() == (std::vector<double>{1, -0.5}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_file_with_only_metadata_round_trips) {
  const fs::path path = program_scratch() / "empty.safetensors";
  save_safetensors(path, {}, {{"note", "nothing yet"}});
  const nn::io::TensorFile f = load_safetensors(path);
  BOOST_TEST(f.tensors.empty());
  BOOST_TEST(f.metadata.at("note") == "nothing yet");
}

BOOST_AUTO_TEST_CASE(metadata_alone_is_read_from_the_header) {
  const fs::path path = program_scratch() / "metadata.safetensors";
  save_safetensors(path, {{"w", ramp({64, 64}, DType::f64)}}, {{"format", "wengert"}, {"epoch", "3"}});
  BOOST_TEST((nn::io::load_safetensors_metadata(path) == load_safetensors(path).metadata));
  // The tensors are not read: a file whose data section is cut short still yields its header.
  const std::string bytes = read_all(path);
  const fs::path cut = write_file(program_scratch() / "metadata_cut.safetensors", bytes.substr(0, bytes.size() - 100));
  BOOST_TEST(nn::io::load_safetensors_metadata(cut).at("epoch") == "3");
  BOOST_CHECK_THROW(load_safetensors(cut), IoError);
  // A header cut short is an error naming the file and the byte of the header length.
  const fs::path torn = write_file(program_scratch() / "metadata_torn.safetensors", bytes.substr(0, 20));
  BOOST_CHECK_EXCEPTION(nn::io::load_safetensors_metadata(torn), IoError, [&](const IoError& e) {
    const std::string what = e.what();
    return what.find(torn.string()) != std::string::npos && what.find("exceeds the file") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(bad_names_are_refused_before_the_file_is_touched) {
  const fs::path path = write_file(program_scratch() / "kept.safetensors", "old contents");
  const Tensor t = Tensor::scalar(1);
  BOOST_CHECK_THROW(save_safetensors(path, {{"x", t}, {"x", t}}), autodiff::ValueError);
  BOOST_CHECK_THROW(save_safetensors(path, {{"__metadata__", t}}), autodiff::ValueError);
  BOOST_CHECK_THROW(save_safetensors(path, {{"u", Tensor()}}), autodiff::ValueError);
  BOOST_CHECK_THROW(save_safetensors(path, {{std::string("\xff"), t}}), autodiff::ValueError);
  BOOST_TEST(read_all(path) == "old contents");
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error_naming_it) {
  const fs::path path = program_scratch() / "absent.safetensors";
  BOOST_CHECK_EXCEPTION(load_safetensors(path), IoError, [&](const IoError& e) {
    return std::string(e.what()).find(path.string()) != std::string::npos;
  });
}

namespace {

// A defect, the file that has it, and where the error must point.
struct Corrupt {
  std::string name;
  std::string bytes;
  std::uint64_t byte;
  std::string fragment;
};

// File byte of the n-th occurrence of `needle` in a header written by st().
std::uint64_t at(const std::string& header, const std::string& needle, int n = 1) {
  std::size_t pos = std::string::npos;
  for (int i = 0; i < n; ++i) pos = header.find(needle, pos + 1);
  BOOST_REQUIRE(pos != std::string::npos);
  return 8 + pos;
}

// One F32 entry "a" with the given fields, plus optional extra entries.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + R"(":{"dtype":)" + dtype + R"(,"shape":)" + shape + R"(,"data_offsets":)" + offsets + "}";
}

std::vector<Corrupt> corrupt_files() {
  const std::string f4 = le(1.0f);
  std::vector<Corrupt> c;
  auto add = [&](std::string name, std::string header, std::string data, std::uint64_t byte, std::string fragment) {
    c.push_back({std::move(name), st(header, data), byte, std::move(fragment)});
  };
  c.push_back({"shorter_than_8_bytes", "abc", 0, "8-byte header length"});
  c.push_back({"header_past_the_end", le(std::uint64_t{4294967296}) + std::string(1016, ' '), 8,
               "header length 4294967296 exceeds the file (1024 bytes)"});
  add("empty_header", "", "", 8, "does not start with '{'");
  add("header_not_an_object", "[1, 2]", "", 8, "does not start with '{'");
  add("header_not_json", "{not json}", "", 10, "not valid JSON");
  add("header_trailing_garbage", "{} x", "", 11, "not valid JSON");
  add("header_invalid_utf8", "{\"a\xff\":1}", "", 11, "ill-formed UTF-8");
  std::string h = R"({"a":3})";
  add("entry_not_an_object", h, "", at(h, "\"a\""), "must be an object");
  h = R"({"a":{"shape":[1],"data_offsets":[0,4]}})";
  add("entry_missing_dtype", h, f4, at(h, "\"a\""), "has no \"dtype\"");
  h = R"({"a":{"dtype":"F32","data_offsets":[0,4]}})";
  add("entry_missing_shape", h, f4, at(h, "\"a\""), "has no \"shape\"");
  h = R"({"a":{"dtype":"F32","shape":[1]}})";
  add("entry_missing_offsets", h, f4, at(h, "\"a\""), "has no \"data_offsets\"");
  h = "{" + entry("a", "4", "[1]", "[0,4]") + "}";
  add("dtype_not_a_string", h, f4, at(h, "\"dtype\""), "dtype must be a string");
  h = "{" + entry("a", "\"F128\"", "[1]", "[0,4]") + "}";
  add("dtype_unknown", h, f4, at(h, "\"dtype\""), "unknown dtype \"F128\"");
  h = "{" + entry("a", "\"I64\"", "[1]", "[0,8]") + "}";
  add("dtype_unsupported", h, f4 + f4, at(h, "\"dtype\""), "unsupported dtype \"I64\"");
  h = "{" + entry("a", "\"F32\"", "{}", "[0,4]") + "}";
  add("shape_not_an_array", h, f4, at(h, "\"shape\""), "shape must be an array");
  h = "{" + entry("a", "\"F32\"", "[-1]", "[0,4]") + "}";
  add("shape_negative", h, f4, at(h, "\"shape\""), "negative");
  h = "{" + entry("a", "\"F32\"", "[1.5]", "[0,4]") + "}";
  add("shape_not_an_integer", h, f4, at(h, "\"shape\""), "non-negative integer");
  h = "{" + entry("a", "\"F32\"", "[4294967296,4294967296]", "[0,4]") + "}";
  add("shape_product_overflows", h, f4, at(h, "\"shape\""), "overflows int64");
  h = "{" + entry("a", "\"F32\"", "[1,1,1,1,1,1,1,1,1]", "[0,4]") + "}";
  add("shape_rank_above_limit", h, f4, at(h, "[1,1"), "more than 8 elements");
  h = "{" + entry("a", "\"F32\"", "[1000000]", "[0,4]") + "}";
  add("shape_exceeds_the_data", h, f4, at(h, "\"data_offsets\""), "shape [1000000] of F32 needs 4000000");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0]") + "}";
  add("offsets_not_a_pair", h, f4, at(h, "\"data_offsets\""), "must be [begin, end]");
  h = "{" + entry("a", "\"F32\"", "[1]", "[\"0\",4]") + "}";
  add("offsets_not_numbers", h, f4, at(h, "\"data_offsets\""), "non-negative integer");
  h = "{" + entry("a", "\"F32\"", "[0]", "[4,0]") + "}";
  add("offsets_reversed", h, f4, at(h, "\"data_offsets\""), "end before they begin");
  h = "{" + entry("a", "\"F32\"", "[2]", "[0,8]") + "}";
  add("offsets_past_the_data", h, f4, at(h, "\"data_offsets\""), "run past the data section (4 bytes)");
  h = "{" + entry("a", "\"F32\"", "[2]", "[0,4]") + "}";
  add("length_not_shape_times_itemsize", h, f4, at(h, "\"data_offsets\""), "hold 4 bytes; shape [2] of F32 needs 8");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("b", "\"F32\"", "[1]", "[2,6]") + "}";
  add("overlapping_ranges", h, f4 + f4, 8 + h.size() + 2, "overlaps tensor \"a\"");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("b", "\"F32\"", "[1]", "[8,12]") + "}";
  add("gap_between_tensors", h, f4 + f4 + f4, 8 + h.size() + 4, "[4, 8) belong to no tensor");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "}";
  add("bytes_after_the_last_tensor", h, f4 + f4, 8 + h.size() + 4, "at the end belong to no tensor");
  h = R"({"__metadata__":3})";
  add("metadata_not_an_object", h, "", at(h, "\"__metadata__\""), "must be an object of strings");
  h = R"({"__metadata__":{"k":1}})";
  add("metadata_value_not_a_string", h, "", at(h, "\"k\""), "must be a string");
  h = R"({"__metadata__":{"k":{"x":[1]}}})";
  add("nested_too_deep", h, "", at(h, "["), "nested deeper");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("a", "\"F32\"", "[1]", "[4,8]") + "}";
  add("duplicate_tensor_name", h, f4 + f4, at(h, "\"a\"", 2), "duplicate key \"a\"");
  h = "{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "}";
  h.insert(h.size() - 2, R"(,"shape":[1])");
  add("duplicate_field", h, f4, at(h, "\"shape\"", 2), "duplicate key \"shape\"");
  return c;
}

const std::vector<Corrupt>& corrupt() {
  static const std::vector<Corrupt> cases = corrupt_files();
  return cases;
}

}  // namespace

BOOST_DATA_TEST_CASE(corrupt_file_is_an_io_error_naming_file_and_byte, bdata::xrange(corrupt().size()), i) {
  const Corrupt& c = corrupt()[i];
  BOOST_TEST_CONTEXT(c.name) {
    const fs::path path = write_file(program_scratch() / (c.name + ".safetensors"), c.bytes);
    const std::string expected = fmt::format("safetensors: {}: byte {}: ", path.string(), c.byte);
    const std::string fragment = c.fragment;
    auto names_file_and_byte = [expected, fragment](const IoError& e) {
      const std::string what = e.what();
      BOOST_TEST_MESSAGE(what);
      return what.find(expected) == 0 && what.find(fragment) != std::string::npos;
    };
    BOOST_CHECK_EXCEPTION(load_safetensors(path), IoError, names_file_and_byte);
  }
}

BOOST_AUTO_TEST_CASE(header_above_100_mb_is_refused_before_parsing) {
  std::string bytes = le(std::uint64_t{100'000'001}) + std::string(100'000'008, ' ');
  BOOST_CHECK_EXCEPTION(nn::io::parse_safetensors(bytes, "huge"), IoError, [](const IoError& e) {
    return std::string(e.what()).find("huge: byte 8: header length 100000001 exceeds the limit") != std::string::npos;
  });
}
