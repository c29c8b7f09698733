#pragma once
// The examples' command line: every flag declares its kind, default, allowed values and one line of
// meaning, and every value (given or default) is checked when parsed, so a bad flag stops the program
// before any data is loaded, with a message naming the flag and what it allows.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace examples::cli {

/// A bad command line: the message names the flag and what it allows.
class FlagError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class FlagKind { text, integer, unsigned_integer, positive_real, choice };

/// One flag, as declared by an example; build it with the functions below.
struct Flag {
  std::string name;      // without the leading "--"
  std::string fallback;  // the default as typed; "" = unset
  std::string meaning;   // one line for --help
  FlagKind kind = FlagKind::text;
  int64_t min = 0, max = 0;          // integer: the inclusive range
  std::vector<std::string> choices;  // choice: the allowed words
};

/// Any text ("" = unset).
Flag text(std::string name, std::string fallback, std::string meaning);
/// A whole number in [min, max].
Flag integer(std::string name, int64_t fallback, int64_t min, int64_t max, std::string meaning);
/// Any uint64 (seeds).
Flag unsigned_integer(std::string name, uint64_t fallback, std::string meaning);
/// A finite number > 0; fallback "" = unset (the program picks one).
Flag positive_real(std::string name, std::string fallback, std::string meaning);
/// One of the given words.
Flag choice(std::string name, std::string fallback, std::vector<std::string> choices, std::string meaning);

/// What a flag allows, as --help and the errors say it: "an integer from 1 to 2147483647".
std::string allowed(const Flag& flag);

/// "--name value" pairs checked against the declared flags; --help (or -h) asks for help_text().
class Flags {
 public:
  /// FlagError on an unknown flag, a missing value or a value its flag does not allow.
  Flags(int argc, const char* const* argv, std::vector<Flag> declared);
  bool help_requested() const { return help_; }
  bool declares(std::string_view name) const;
  /// One line per flag: its meaning, default and allowed values.
  std::string help_text(std::string_view program) const;

  std::string str(std::string_view name) const;
  /// The value, or nullopt when it is "" (unset).
  std::optional<std::string> optional(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  uint64_t unsigned_integer(std::string_view name) const;
  /// The value of a positive_real flag; nullopt when unset.
  std::optional<double> real(std::string_view name) const;

 private:
  size_t index(std::string_view name) const;
  const std::string& value(std::string_view name) const;
  const std::string& value(std::string_view name, FlagKind kind) const;

  std::vector<Flag> flags_;
  std::vector<std::string> values_;  // parallel to flags_
  bool help_ = false;
};

}  // namespace examples::cli
