#include "nn/data/mnist.hpp"

#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nn::data {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMnistHint = "run scripts/fetch_mnist.sh [DIR] to fetch MNIST";
constexpr std::string_view kFashionHint = "install it with: apt-get install dataset-fashion-mnist";

// One of the four files, e.g. {"train", "images", "idx3"}.
struct FileId {
  std::string_view split, kind, idx;
};

// Standard name, the dotted variant some mirrors use, each plain or gzip.
std::array<std::string, 4> candidates(const FileId& id) {
  std::string dashed = fmt::format("{}-{}-{}-ubyte", id.split, id.kind, id.idx);
  std::string dotted = fmt::format("{}-{}.{}-ubyte", id.split, id.kind, id.idx);
  return {dashed, dashed + ".gz", dotted, dotted + ".gz"};
}

std::optional<fs::path> find_file(const fs::path& dir, const FileId& id) {
  std::error_code ec;
  for (const std::string& name : candidates(id))
    if (fs::is_regular_file(dir / name, ec)) return dir / name;
  return std::nullopt;
}

constexpr std::array<FileId, 4> kFiles = {{{"train", "images", "idx3"},
                                           {"train", "labels", "idx1"},
                                           {"t10k", "images", "idx3"},
                                           {"t10k", "labels", "idx1"}}};

bool has_all_files(const fs::path& dir) {
  for (const FileId& id : kFiles)
    if (!find_file(dir, id)) return false;
  return true;
}

fs::path require_file(std::string_view fn, const fs::path& dir, const FileId& id, std::string_view hint) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw DataError(fmt::format("{}: {}: no such directory; {}", fn, dir.string(), hint));
  if (auto file = find_file(dir, id)) return *file;
  auto names = candidates(id);
  throw DataError(fmt::format("{}: {}: missing {} (also tried {}); {}", fn, dir.string(), names[0],
                              fmt::join(names.begin() + 1, names.end(), ", "), hint));
}

std::vector<float> scale_to_unit(const std::vector<std::uint8_t>& pixels) {
  std::vector<float> out(pixels.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) out[i] = static_cast<float>(pixels[i]) / 255.0f;
  return out;
}

// Checks one split's pair of files against each other and reads it into a Split.
Split load_split(std::string_view fn, const fs::path& dir, std::string_view split, std::string_view hint) {
  fs::path image_file = require_file(fn, dir, {split, "images", "idx3"}, hint);
  fs::path label_file = require_file(fn, dir, {split, "labels", "idx1"}, hint);
  IdxArray images = read_idx(image_file);
  IdxArray labels = read_idx(label_file);
  if (images.dims.size() != 3)
    throw DataError(fmt::format("{}: {}: images must have rank 3 [n, rows, cols]; got dims {}", fn,
                                image_file.string(), images.dims));
  if (labels.dims.size() != 1)
    throw DataError(fmt::format("{}: {}: labels must have rank 1 [n]; got dims {}", fn, label_file.string(),
                                labels.dims));
  if (images.dims[0] != labels.dims[0])
    throw DataError(fmt::format("{}: counts differ; got {} images in {} and {} labels in {}", fn,
                                images.dims[0], image_file.string(), labels.dims[0], label_file.string()));
  for (std::size_t i = 0; i < labels.data.size(); ++i)
    if (labels.data[i] > 9)
      throw DataError(fmt::format("{}: {}: label {} at index {} (byte {}); expected 0 to 9", fn,
                                  label_file.string(), labels.data[i], i, 8 + i));
  return {scale_to_unit(images.data), std::move(labels.data), images.dims[0], images.dims[1], images.dims[2]};
}

Mnist load(std::string_view fn, const fs::path& dir, std::string_view hint) {
  Mnist out{load_split(fn, dir, "train", hint), load_split(fn, dir, "t10k", hint)};
  if (out.train.rows != out.test.rows || out.train.cols != out.test.cols)
    throw DataError(fmt::format("{}: {}: image sizes differ; got train {}x{} and test {}x{}", fn,
                                dir.string(), out.train.rows, out.train.cols, out.test.rows, out.test.cols));
  return out;
}

}  // namespace

Mnist load_mnist(const std::filesystem::path& dir) {
  return load("load_mnist", dir, kMnistHint);
}

Mnist load_fashion_mnist(const std::filesystem::path& dir) {
  return load("load_fashion_mnist", dir, kFashionHint);
}

std::filesystem::path find_mnist_dir(std::optional<std::filesystem::path> flag) {
  if (flag) {
    // An explicit choice is never silently replaced by another copy.
    if (has_all_files(*flag)) return *flag;
    throw DataError(fmt::format("find_mnist_dir: --data {}: does not hold the four MNIST files; {}",
                                flag->string(), kMnistHint));
  }
  std::vector<fs::path> tried;
  if (const char* root = std::getenv("WENGERT_DATA"); root && *root)
    tried.push_back(fs::path(root) / "mnist");
  std::error_code ec;
  fs::path here = fs::current_path(ec);
  // The current directory and its parents, so a binary run from build/release finds the repository's data/.
  for (fs::path p = here; !p.empty(); p = p.parent_path()) {
    tried.push_back(p / "data" / "mnist");
    if (p == p.parent_path()) break;
  }
  for (const fs::path& dir : tried)
    if (has_all_files(dir)) return dir;
  std::vector<std::string> names;
  for (const fs::path& dir : tried) names.push_back(dir.string());
  throw DataError(
      fmt::format("find_mnist_dir: no MNIST files in any of: {}; pass --data DIR, set WENGERT_DATA, or {}",
                  fmt::join(names, ", "), kMnistHint));
}

}  // namespace nn::data
