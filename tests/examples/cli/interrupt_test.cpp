#include <boost/test/unit_test.hpp>

#include <csignal>

#include "examples/cli/interrupt.hpp"

namespace {

void (*sigint_handler())(int) {
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  return now.sa_handler;
}

}  // namespace

// One case: interrupted() stays true once a SIGINT arrived, so the order of cases would matter otherwise.
BOOST_AUTO_TEST_CASE(first_sigint_is_recorded_and_the_second_would_kill) {
  BOOST_TEST(!examples::cli::interrupted());
  const auto before = sigint_handler();
  {
    const examples::cli::InterruptScope scope;
    std::raise(SIGINT);  // handled: the process lives on
    BOOST_TEST(examples::cli::interrupted());
    BOOST_TEST(sigint_handler() == SIG_DFL);  // the next Ctrl-C ends the process at once
  }
  BOOST_TEST(sigint_handler() == before);  // the scope put back what was there before it
}

BOOST_AUTO_TEST_CASE(an_ignored_sigint_stays_ignored) {
  std::signal(SIGINT, SIG_IGN);
  {
    const examples::cli::InterruptScope scope;
    BOOST_TEST(sigint_handler() == SIG_IGN);
  }
  BOOST_TEST(sigint_handler() == SIG_IGN);
  std::signal(SIGINT, SIG_DFL);
}
