#pragma once
// MNIST and Fashion-MNIST from their four IDX files (see nn/data/idx.hpp).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "nn/data/idx.hpp"

namespace nn::data {

/// One split: images [n, rows, cols] row-major, scaled to [0, 1]; labels [n], each 0 to 9.
struct Split {
  std::vector<float> images;
  std::vector<std::uint8_t> labels;
  int64_t n = 0, rows = 0, cols = 0;
};

struct Mnist {
  Split train, test;
};

/// Where Debian's dataset-fashion-mnist package installs its (gzip) files.
inline const std::filesystem::path kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Loads train-/t10k- images and labels from dir; each file may also be .gz or use the dotted
/// names (train-images.idx3-ubyte). Throws DataError naming a missing or bad file.
Mnist load_mnist(const std::filesystem::path& dir);
/// The same for Fashion-MNIST (same file names and format).
Mnist load_fashion_mnist(const std::filesystem::path& dir = kFashionMnistDir);

/// The MNIST directory: flag if given, else $WENGERT_DATA/mnist, else data/mnist under the
/// current directory or one of its parents (the repository root when run from build/).
/// Throws DataError listing every place tried when none holds the four files.
std::filesystem::path find_mnist_dir(std::optional<std::filesystem::path> flag);

}  // namespace nn::data
