#pragma once
// A fresh, empty directory per Boost.Test case, removed afterwards, so "nothing else is left in it" is checkable.
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

}  // namespace testing
