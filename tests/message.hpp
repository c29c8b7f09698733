#pragma once
// The one predicate error-table tests use with BOOST_CHECK_EXCEPTION: the
// message contains every fragment (and says which one is missing if not).
#include <boost/test/unit_test.hpp>

#include <exception>
#include <string>
#include <vector>

namespace testing {

inline auto message_has(std::vector<std::string> fragments) {
  return [fragments](const std::exception& e) {
    const std::string what = e.what();
    for (const auto& f : fragments)
      if (what.find(f) == std::string::npos) {
        BOOST_TEST_MESSAGE("missing '" << f << "' in: " << what);
        return false;
      }
    return true;
  };
}

/// True when e's message contains fragment.
inline bool message_has(const std::exception& e, const std::string& fragment) {
  return std::string(e.what()).find(fragment) != std::string::npos;
}

}  // namespace testing
