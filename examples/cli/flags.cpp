#include "examples/cli/flags.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace examples::cli {
namespace {

// The whole text must be the number: from_chars takes no sign for unsigned types and no spaces, and
// reports overflow, so "4294967297" never wraps and "1.5" or "-5" never half-parse.
template <class T>
std::optional<T> number(std::string_view text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool admits(const Flag& flag, const std::string& v) {
  switch (flag.kind) {
    case FlagKind::text:
      return true;
    case FlagKind::integer: {
      const auto n = number<int64_t>(v);
      return n && *n >= flag.min && *n <= flag.max;
    }
    case FlagKind::unsigned_integer:
      return number<uint64_t>(v).has_value();
    case FlagKind::positive_real: {
      const auto x = number<double>(v);
      return v.empty() || (x && std::isfinite(*x) && *x > 0);
    }
    case FlagKind::choice:
      return std::ranges::find(flag.choices, v) != flag.choices.end();
  }
  return false;
}

void check_value(const Flag& flag, const std::string& v) {
  if (!admits(flag, v)) throw FlagError(fmt::format("--{}: expected {}; got '{}'", flag.name, allowed(flag), v));
}

}  // namespace

Flag text(std::string name, std::string fallback, std::string meaning) {
  return {std::move(name), std::move(fallback), std::move(meaning), FlagKind::text, 0, 0, {}};
}

Flag integer(std::string name, int64_t fallback, int64_t min, int64_t max, std::string meaning) {
  return {std::move(name), std::to_string(fallback), std::move(meaning), FlagKind::integer, min, max, {}};
}

Flag unsigned_integer(std::string name, uint64_t fallback, std::string meaning) {
  return {std::move(name), std::to_string(fallback), std::move(meaning), FlagKind::unsigned_integer, 0, 0, {}};
}

Flag positive_real(std::string name, std::string fallback, std::string meaning) {
  return {std::move(name), std::move(fallback), std::move(meaning), FlagKind::positive_real, 0, 0, {}};
}

Flag choice(std::string name, std::string fallback, std::vector<std::string> choices, std::string meaning) {
  return {std::move(name), std::move(fallback), std::move(meaning), FlagKind::choice, 0, 0, std::move(choices)};
}

std::string allowed(const Flag& flag) {
  switch (flag.kind) {
    case FlagKind::text:
      return "any text";
    case FlagKind::integer:
      return flag.max == std::numeric_limits<int64_t>::max()
                 ? fmt::format("an integer >= {}", flag.min)
                 : fmt::format("an integer from {} to {}", flag.min, flag.max);
    case FlagKind::unsigned_integer:
      return fmt::format("an integer from 0 to {}", std::numeric_limits<uint64_t>::max());
    case FlagKind::positive_real:
      return "a finite number > 0";
    case FlagKind::choice:
      return fmt::format("one of {}", fmt::join(flag.choices, ", "));
  }
  return "";
}

Flags::Flags(int argc, const char* const* argv, std::vector<Flag> declared) : flags_(std::move(declared)) {
  for (const Flag& flag : flags_) values_.push_back(flag.fallback);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      return;  // help is asked for: the other flags need not be right
    }
    const auto it = std::ranges::find_if(flags_, [&](const Flag& f) { return arg == "--" + f.name; });
    if (it == flags_.end()) throw FlagError(fmt::format("unknown flag '{}' (try --help)", arg));
    if (i + 1 >= argc) throw FlagError(fmt::format("{}: missing value; expected {}", arg, allowed(*it)));
    values_[index(it->name)] = argv[++i];
  }
  // Defaults are checked too: a wrong declaration shows up at once, not when the value is read.
  for (size_t k = 0; k < flags_.size(); ++k) check_value(flags_[k], values_[k]);
}

std::string Flags::help_text(std::string_view program) const {
  std::string out = fmt::format("usage: {} [--flag value]...\n", program);
  for (const Flag& f : flags_)
    out += fmt::format("  --{:<15} {} [default: {}; allowed: {}]\n", f.name, f.meaning,
                       f.fallback.empty() ? "none" : f.fallback, allowed(f));
  out += fmt::format("  --{:<15} {}\n", "help", "print this and exit");
  return out;
}

bool Flags::declares(std::string_view name) const {
  return std::ranges::any_of(flags_, [&](const Flag& f) { return f.name == name; });
}

size_t Flags::index(std::string_view name) const {
  const auto it = std::ranges::find_if(flags_, [&](const Flag& f) { return f.name == name; });
  if (it == flags_.end()) throw std::logic_error(fmt::format("Flags: '{}' is not declared", name));
  return static_cast<size_t>(it - flags_.begin());
}

const std::string& Flags::value(std::string_view name) const { return values_[index(name)]; }

// Reading a flag as a kind it was not declared with is a bug in the example, not a user error.
const std::string& Flags::value(std::string_view name, FlagKind kind) const {
  const size_t k = index(name);
  if (flags_[k].kind != kind) throw std::logic_error(fmt::format("Flags: '{}' is read as another kind", name));
  return values_[k];
}

std::string Flags::str(std::string_view name) const { return value(name); }

std::optional<std::string> Flags::optional(std::string_view name) const {
  const std::string& v = value(name);
  return v.empty() ? std::nullopt : std::optional(v);
}

int64_t Flags::integer(std::string_view name) const {
  return *number<int64_t>(value(name, FlagKind::integer));
}

uint64_t Flags::unsigned_integer(std::string_view name) const {
  return *number<uint64_t>(value(name, FlagKind::unsigned_integer));
}

std::optional<double> Flags::real(std::string_view name) const {
  return number<double>(value(name, FlagKind::positive_real));
}

}  // namespace examples::cli
