#pragma once
// What keeps a doc and its guide test in step: every snippet of the doc marked
// "// guide: <name>" appears line by line, indented by two spaces, in the test
// file that runs it (tests/autodiff/guide_test.cpp, tests/nn/guide_test.cpp).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace testing {

/// Checks each guide snippet of `doc` against `test_file` (paths from the repository root); returns their number.
inline int check_guide_snippets(const char* doc, const char* test_file) {
  const auto read = [](const char* path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string text = read(doc), self = read(test_file);
  const std::regex snippet(R"(```cpp\n// guide: ([^\n]+)\n([\s\S]*?)```)");
  int count = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), snippet), end; it != end; ++it, ++count) {
    std::istringstream lines((*it)[2].str());
    for (std::string line; std::getline(lines, line);)
      BOOST_TEST(self.find("  " + line) != std::string::npos, "guide '" << (*it)[1] << "' line not tested: " << line);
  }
  return count;
}

}  // namespace testing
