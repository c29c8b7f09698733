#pragma once
// The fuzz targets, one per parser, shared by the libFuzzer harnesses (fuzz/*_fuzz.cpp) and by the
// corpus replay test (tests/fuzz/corpus_test.cpp), so CTest checks exactly what the fuzzer ran.
//
// A target returns true when the parser accepts the bytes, false when it rejects them with the error
// it documents. Anything else is a bug: another exception type escapes (std::terminate under libFuzzer),
// a property check throws fuzz::Bug, or a sanitizer reports.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/data/idx.hpp"
#include "nn/saving/checkpoint.hpp"
#include "nn/saving/model_io.hpp"
#include "nn/io/safetensors.hpp"
#include "nn/nn.hpp"

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

/// The model every checkpoint input is loaded into, fresh each time: Dense(4, relu) on [3] → Dropout(0.5)
/// (a layer generator) → Dense(2), compiled with Adam (slots m and v). fuzz/checkpoint_seeds.cpp saves its seeds.
inline std::shared_ptr<nn::Sequential> checkpoint_model() {
  autodiff::manual_seed(7);
  auto model = std::make_shared<nn::Sequential>();
  model->add(nn::Dense(4, {.activation = "relu", .input_shape = autodiff::Shape{3}}));
  model->add(nn::Dropout(0.5));
  model->add(nn::Dense(2));
  model->compile("mse", std::make_shared<nn::Adam>(0.01));
  return model;
}

/// load_checkpoint takes a path: the bytes go to a file of this process's own (its pid in the name), removed after.
/// It documents autodiff::Error: IoError for a malformed file or metadata, ValueError or ShapeError for a mismatch.
inline bool checkpoint(std::string_view bytes) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("wengert_fuzz_checkpoint_" + std::to_string(getpid()) + ".safetensors");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw std::runtime_error("fuzz::checkpoint: cannot write " + path.string());
  }
  const std::shared_ptr<nn::Sequential> model = checkpoint_model();
  bool accepted = true;
  try {
    nn::load_checkpoint(path, *model);
  } catch (const autodiff::Error&) {
    accepted = false;
  }
  std::filesystem::remove(path);
  return accepted;
}

}  // namespace fuzz
