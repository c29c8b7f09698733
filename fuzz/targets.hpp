#pragma once
// The fuzz targets, one per parser, shared by the libFuzzer harnesses (fuzz/*_fuzz.cpp) and by the
// corpus replay test (tests/fuzz/corpus_test.cpp), so CTest checks exactly what the fuzzer ran.
//
// A target returns true when the parser accepts the bytes, false when it rejects them with the error
// it documents. Anything else is a bug: another exception type escapes (std::terminate under libFuzzer),
// a property check throws fuzz::Bug, or a sanitizer reports.
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/data/idx.hpp"
#include "nn/io/model_io.hpp"
#include "nn/io/safetensors.hpp"

namespace fuzz {

/// A parser broke one of its own promises on some input.
class Bug : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

inline void expect(bool cond, const char* what) {
  if (!cond) throw Bug(what);
}

inline bool same(const nn::io::TensorFile& a, const nn::io::TensorFile& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const autodiff::Tensor &x = a.tensors[i].second, &y = b.tensors[i].second;
    if (a.tensors[i].first != b.tensors[i].first || !(x.shape() == y.shape()) || x.dtype() != y.dtype()) return false;
    // Bytes, not values: NaN payloads must survive too.
    if (std::memcmp(x.storage()->data(), y.storage()->data(), static_cast<std::size_t>(x.numel()) *
                                                                  autodiff::itemsize(x.dtype())) != 0)
      return false;
  }
  return true;
}

/// parse_safetensors; what it accepts must survive write_safetensors and a second parse unchanged.
inline bool safetensors(std::string_view bytes) {
  nn::io::TensorFile file;
  try {
    file = nn::io::parse_safetensors(std::string(bytes), "fuzz.safetensors");
  } catch (const autodiff::IoError&) {
    return false;
  }
  std::ostringstream out;
  nn::io::write_safetensors(out, file.tensors, file.metadata);
  expect(same(file, nn::io::parse_safetensors(out.str(), "rewritten.safetensors")),
         "safetensors: a parsed file changed when written and parsed again");
  return true;
}

/// parse_idx (plain or gzip); what it accepts must hold exactly the elements its dims promise.
inline bool idx(std::string_view bytes) {
  nn::data::IdxArray a;
  try {
    a = nn::data::parse_idx(bytes, "fuzz.idx");
  } catch (const nn::data::DataError&) {
    return false;
  }
  std::uint64_t n = 1;
  for (std::int64_t d : a.dims) n *= static_cast<std::uint64_t>(d);
  expect(!a.dims.empty() && n == a.data.size(), "idx: the data size differs from the product of the dims");
  return true;
}

/// parse_model_json; it documents autodiff::Error (ValueError, ShapeError, ...) for a bad description.
inline bool model_json(std::string_view bytes) {
  try {
    nn::parse_model_json(std::string(bytes), "fuzz.json");
  } catch (const autodiff::Error&) {
    return false;
  }
  return true;
}

}  // namespace fuzz
