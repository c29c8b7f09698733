#pragma once
// Scratch directories for tests: Scratch, a fresh, empty one per Boost.Test case, removed afterwards, so "nothing
// else is left in it" is checkable; program_scratch(), one for a whole test program, removed at exit.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <filesystem>
#include <iterator>
#include <string>

#include <unistd.h>

namespace testing {

struct Scratch {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("wengert_test_" + std::to_string(::getpid()) + "_" +
                                                boost::unit_test::framework::current_test_case().p_name.get());
  Scratch() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::size_t files() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
  }
};

/// One directory for the whole test program, made on first use and removed when the program exits.
inline const std::filesystem::path& program_scratch() {
  static const struct Dir {
    std::filesystem::path path;
    Dir() : path(std::filesystem::temp_directory_path() / ("wengert_test_" + std::to_string(::getpid()))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
  } dir;
  return dir.path;
}

}  // namespace testing
