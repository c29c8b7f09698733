// Replays the fuzzers' seed corpora (fuzz/corpus/<parser>/*) and the corpora kept from earlier fuzz runs
// (fuzz/generated/<parser>/*) through the same targets the libFuzzer harnesses run, built with the ordinary
// compiler: every file is accepted or rejected with the parser's documented error, never anything else.
// Seeds named ok_* must be accepted, bad_* rejected; the kept inputs carry no such names.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "fuzz/targets.hpp"

namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;

namespace {

const fs::path kCorpus = "fuzz/corpus";        // tests run from the repository root
const fs::path kGenerated = "fuzz/generated";  // kept by fuzz/run.sh

const std::map<std::string, std::function<bool(std::string_view)>> kTargets = {
    {"safetensors", fuzz::safetensors}, {"idx", fuzz::idx}, {"model_json", fuzz::model_json},
    {"checkpoint", fuzz::checkpoint}};

// "<parser>/<file>" for every file under root, sorted so that failures are reproducible by name.
std::vector<std::string> inputs(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& [parser, target] : kTargets)
    for (const auto& f : fs::directory_iterator(root / parser, ec))
      if (f.is_regular_file()) out.push_back(parser + "/" + f.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> seeds() { return inputs(kCorpus); }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_parser_has_seeds_of_both_kinds) {
  const std::vector<std::string> all = seeds();
  for (const auto& [parser, target] : kTargets) {
    BOOST_TEST_CONTEXT(parser) {
      auto count = [&](const std::string& prefix) {
        return std::count_if(all.begin(), all.end(), [&](const std::string& s) { return s.starts_with(prefix); });
      };
      BOOST_TEST(count(parser + "/ok_") >= 1);
      BOOST_TEST(count(parser + "/bad_") >= 1);
    }
  }
}

BOOST_DATA_TEST_CASE(seed_is_accepted_or_rejected_cleanly, bdata::make(seeds()), seed) {
  const std::string parser = seed.substr(0, seed.find('/'));
  const std::string name = seed.substr(seed.find('/') + 1);
  bool accepted = false;
  BOOST_REQUIRE_NO_THROW(accepted = kTargets.at(parser)(read_all(kCorpus / seed)));
  if (name.starts_with("ok_")) BOOST_TEST(accepted, seed << " should parse");
  if (name.starts_with("bad_")) BOOST_TEST(!accepted, seed << " should be rejected");
}

BOOST_DATA_TEST_CASE(kept_input_is_accepted_or_rejected_cleanly, bdata::make(inputs(kGenerated)), input) {
  const std::string parser = input.substr(0, input.find('/'));
  BOOST_TEST_CONTEXT(input) { BOOST_REQUIRE_NO_THROW(kTargets.at(parser)(read_all(kGenerated / input))); }
}
