#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "examples/common.hpp"
#include "tests/message.hpp"

namespace bdata = boost::unit_test::data;
using examples::cli::FlagError;
using examples::cli::Flags;
using testing::message_has;

namespace {

// The flags of mnist_mlp, the example with every kind.
std::vector<examples::cli::Flag> mlp_flags() {
  namespace cli = examples::cli;
  return examples::with_persistence(examples::training_flags(
      20, {cli::choice("optimizer", "sgd", {"sgd", "adam", "adadelta"}, "optimizer"),
           cli::positive_real("lr", "", "learning rate"), examples::fashion_flag()}));
}

Flags parse(std::vector<std::string> args, std::vector<examples::cli::Flag> declared = mlp_flags()) {
  std::vector<const char*> argv{"mnist_mlp"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return Flags(static_cast<int>(argv.size()), argv.data(), std::move(declared));
}

struct BadValue {
  std::string flag, value, expected;
};
std::ostream& operator<<(std::ostream& os, const BadValue& b) { return os << "--" << b.flag << " '" << b.value << "'"; }

const std::string kEpochs = "an integer from 1 to 2147483647", kUint64 = "an integer from 0 to 18446744073709551615",
                  kReal = "a finite number > 0";

// Each row was accepted (or half-read) before flags were declared with kinds and ranges.
const std::vector<BadValue> bad_values = {
    {"epochs", "abc", kEpochs},          {"epochs", "4294967297", kEpochs}, {"epochs", "1.5", kEpochs},
    {"epochs", "0", kEpochs},            {"epochs", " 3", kEpochs},         {"epochs", "3x", kEpochs},
    {"limit", "-5", "an integer >= 0"},  {"batch-size", "0", "an integer >= 1"},
    {"threads", "-1", "an integer from 0 to 1024"},                         {"threads", "100000", "an integer from 0 to 1024"},
    {"seed", "-1", kUint64},             {"seed", "18446744073709551616", kUint64},
    {"lr", "0", kReal},                  {"lr", "-0.1", kReal},             {"lr", "nan", kReal},
    {"lr", "inf", kReal},                {"lr", "1e999", kReal},            {"lr", "fast", kReal},
    {"optimizer", "rmsprop", "one of sgd, adam, adadelta"},                 {"fashion", "2", "an integer from 0 to 1"},
};

}  // namespace

BOOST_DATA_TEST_CASE(bad_value_names_the_flag_and_what_it_allows, bdata::make(bad_values), bad) {
  BOOST_CHECK_EXCEPTION(parse({"--" + bad.flag, bad.value}), FlagError,
                        message_has({"--" + bad.flag + ": expected " + bad.expected + "; got '" + bad.value + "'"}));
}

BOOST_AUTO_TEST_CASE(good_values_are_read_back_exactly) {
  const Flags f = parse({"--epochs", "2147483647", "--seed", "18446744073709551615", "--lr", "1e-3", "--limit", "0"});
  BOOST_TEST(f.integer("epochs") == 2147483647);
  BOOST_TEST(f.unsigned_integer("seed") == 18446744073709551615u);
  BOOST_TEST(*f.real("lr") == 1e-3);
  BOOST_TEST(f.integer("limit") == 0);
}

BOOST_AUTO_TEST_CASE(defaults_apply_and_an_unset_real_is_nullopt) {
  const Flags f = parse({});
  BOOST_TEST(f.integer("epochs") == 20);
  BOOST_TEST(f.str("optimizer") == "sgd");
  BOOST_TEST(!f.real("lr").has_value());
  BOOST_TEST(!f.optional("save").has_value());
}

BOOST_AUTO_TEST_CASE(unknown_flag_is_named) {
  BOOST_CHECK_EXCEPTION(parse({"--epoch", "3"}), FlagError, message_has({"unknown flag '--epoch'", "--help"}));
}

BOOST_AUTO_TEST_CASE(missing_value_names_the_flag) {
  BOOST_CHECK_EXCEPTION(parse({"--epochs"}), FlagError, message_has({"--epochs: missing value", kEpochs}));
}

BOOST_AUTO_TEST_CASE(help_is_asked_for_even_after_a_bad_flag) {
  BOOST_TEST(parse({"--epochs", "abc", "--help"}).help_requested());
}

BOOST_AUTO_TEST_CASE(help_gives_each_flag_its_meaning_default_and_allowed_values) {
  const std::string help = parse({"-h"}).help_text("mnist_mlp");
  BOOST_TEST(help.find("--epochs") != std::string::npos);
  BOOST_TEST(help.find("passes over the training data [default: 20; allowed: " + kEpochs + "]") != std::string::npos);
  BOOST_TEST(help.find("[default: none; allowed: any text]") != std::string::npos);
  BOOST_TEST(help.find("one of sgd, adam, adadelta") != std::string::npos);
  for (const auto& flag : mlp_flags()) BOOST_TEST(help.find("--" + flag.name + " ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_default_outside_its_own_range_is_caught_at_parse) {
  BOOST_CHECK_EXCEPTION(parse({}, {examples::cli::integer("epochs", 0, 1, 10, "passes")}), FlagError,
                        message_has({"--epochs: expected an integer from 1 to 10; got '0'"}));
}

BOOST_AUTO_TEST_CASE(reading_a_flag_as_another_kind_is_a_logic_error) {
  BOOST_CHECK_THROW(parse({}).integer("lr"), std::logic_error);
  BOOST_CHECK_THROW(parse({}).str("no-such-flag"), std::logic_error);
}
