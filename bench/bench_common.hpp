#pragma once
// What the benchmarks share: --flag value parsing, timing, medians, and the JSON
// rows bench/run.sh merges ({workload, threads, batch, value, unit}).
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

inline double median_of(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x.empty() ? 0 : x[x.size() / 2];
}

/// --name value flags with defaults; an unknown flag lists the known ones.
class Flags {
 public:
  Flags(int argc, char** argv, std::map<std::string, std::string> defaults) : values_(std::move(defaults)) {
    for (int i = 1; i < argc; i += 2) {
      const std::string arg = argv[i];
      if (arg.rfind("--", 0) != 0 || i + 1 >= argc || !values_.contains(arg.substr(2))) {
        std::string known;
        for (const auto& [k, v] : values_) known += fmt::format(" --{} ({})", k, v);
        throw std::invalid_argument("unknown flag or missing value: " + arg + "; flags (default):" + known);
      }
      values_[arg.substr(2)] = argv[i + 1];
    }
  }
  std::string str(const std::string& k) const { return values_.at(k); }
  int64_t integer(const std::string& k) const { return std::stoll(values_.at(k)); }

 private:
  std::map<std::string, std::string> values_;
};

/// One measured row; run.sh pairs it with the peer's row of the same workload, threads and batch.
struct Row {
  std::string workload;
  int threads;
  int64_t batch;
  double value;
  std::string unit;
};

/// Prints rows as a table and writes them as JSON to path ("" for none, "-" for stdout).
inline void emit(const std::vector<Row>& rows, const std::string& path) {
  nlohmann::json out = nlohmann::json::array();
  for (const Row& r : rows) {
    out.push_back({{"workload", r.workload}, {"threads", r.threads}, {"batch", r.batch}, {"value", r.value},
                   {"unit", r.unit}});
    if (path != "-") fmt::print("{:<28} {:>3} {:>5} {:>14.3f} {}\n", r.workload, r.threads, r.batch, r.value, r.unit);
  }
  if (path == "-")
    std::cout << out.dump() << "\n";
  else if (!path.empty())
    std::ofstream(path) << out.dump(2) << "\n";
}

}  // namespace bench
