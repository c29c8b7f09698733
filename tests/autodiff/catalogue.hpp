#pragma once
// The op catalogue as the headers state it: the public op names declared in autodiff/ops/*.hpp (functions
// returning Var, vectors of them, or Tensor). Tables that must cover every op compare against it.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

namespace testing {

inline std::set<std::string> op_catalogue() {
  std::set<std::string> names;
  const std::regex decl(R"(^(?:Var|std::vector<Var>|Tensor)\s+(operator\S+|\w+)\()");
  for (const auto& entry : std::filesystem::directory_iterator("autodiff/ops")) {
    if (entry.path().extension() != ".hpp") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_search(line, m, decl)) names.insert(m[1]);
  }
  return names;
}

}  // namespace testing
