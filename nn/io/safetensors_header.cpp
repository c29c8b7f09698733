#include "nn/io/safetensors_header.hpp"

#include <iterator>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autodiff/error.hpp"
#include "autodiff/shape.hpp"

namespace nn::io::detail {

void fail(const std::string& source, std::uint64_t at, std::string_view what) {
  throw autodiff::IoError(fmt::format("safetensors: {}: byte {}: {}", source, at, what));
}

namespace {

using json = nlohmann::json;
using Sax = nlohmann::json_sax<json>;

// {name: {field: [numbers]}} is as deep as the format goes, and no array in it needs more than
// kMaxRank elements; refusing more keeps a hostile header from building a huge or deep DOM.
constexpr std::size_t kMaxDepth = 3;
constexpr std::size_t kMaxArray = autodiff::kMaxRank;

// An input iterator over the header that publishes how far nlohmann's lexer has read, so SAX events can
// name their file byte (nlohmann itself reports positions only for syntax errors).
class TrackingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  TrackingIterator(const char* p, const char** head) : p_(p), head_(head) {}
  reference operator*() const { return *p_; }
  TrackingIterator& operator++() {
    *head_ = ++p_;
    return *this;
  }
  TrackingIterator operator++(int) {
    TrackingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const TrackingIterator& o) const { return p_ == o.p_; }

 private:
  const char* p_;
  const char** head_;
};

// Builds the DOM with nlohmann's own builder, and on the way rejects duplicate keys (which nlohmann
// silently overwrites), limits depth and array length, and records the file byte of each key.
class PositionedSax {
 public:
  PositionedSax(json& root, std::string_view text, const std::string& source)
      : dom_(root), text_(text), head_(text.data()), source_(source) {}
  const char** head() { return &head_; }

  bool null() { return element() && dom_.null(); }
  bool boolean(bool v) { return element() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return element() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return element() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) { return element() && dom_.number_float(v, s); }
  bool string(std::string& v) { return element() && dom_.string(v); }
  bool binary(json::binary_t& v) { return element() && dom_.binary(v); }
  bool start_object(std::size_t n) { return enter(false) && dom_.start_object(n); }
  bool start_array(std::size_t n) { return enter(true) && dom_.start_array(n); }
  bool end_object() { return leave() && dom_.end_object(); }
  bool end_array() { return leave() && dom_.end_array(); }
  bool key(std::string& k);
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e);

  /// File byte of a top-level key (field empty) or of a field's key inside it; the header start if unseen.
  std::uint64_t at(const std::string& name, const std::string& field = {}) const {
    auto it = at_.find({name, field});
    return it != at_.end() ? it->second : kHeaderStart;
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t count = 0;
    std::uint64_t at = kHeaderStart;  // file byte of the opening bracket
    std::set<std::string> keys;
  };
  std::uint64_t here() const { return kHeaderStart + static_cast<std::uint64_t>(head_ - text_.data()); }
  std::uint64_t key_start() const;
  bool element();
  bool enter(bool array);
  bool leave() {
    frames_.pop_back();
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::string_view text_;
  const char* head_;
  const std::string& source_;
  std::vector<Frame> frames_;
  std::string top_;  // the current top-level key
  std::map<std::pair<std::string, std::string>, std::uint64_t> at_;
};

// Reported at the array's '[': after a number the lexer has already read one character past it.
bool PositionedSax::element() {
  if (!frames_.empty() && frames_.back().array && ++frames_.back().count > kMaxArray)
    fail(source_, frames_.back().at,
         fmt::format("an array with more than {} elements; shape has at most {} (the rank limit), data_offsets 2",
                     kMaxArray, autodiff::kMaxRank));
  return true;
}

bool PositionedSax::enter(bool array) {
  element();
  if (frames_.size() >= kMaxDepth)
    fail(source_, here() - 1, fmt::format("nested deeper than the format's {{name: {{field: [...]}}}}"));
  frames_.emplace_back();
  frames_.back().array = array;
  frames_.back().at = here() - 1;
  return true;
}

// The lexer stops right after a key's closing quote; the opening quote is the nearest earlier '"' not
// escaped by an odd run of backslashes (a JSON string holds no other unescaped quote).
std::uint64_t PositionedSax::key_start() const {
  std::size_t close = static_cast<std::size_t>(head_ - text_.data()) - 1;
  for (std::size_t i = close; i-- > 0;) {
    if (text_[i] != '"') continue;
    std::size_t slashes = 0;
    while (slashes < i && text_[i - 1 - slashes] == '\\') ++slashes;
    if (slashes % 2 == 0) return kHeaderStart + i;
  }
  return kHeaderStart + close;
}

bool PositionedSax::key(std::string& k) {
  std::uint64_t at = key_start();
  if (!frames_.back().keys.insert(k).second) fail(source_, at, fmt::format("duplicate key {}", json(k).dump()));
  if (frames_.size() == 1) top_ = k;
  if (frames_.size() <= 2) at_[{top_, frames_.size() == 1 ? std::string() : k}] = at;
  return dom_.key(k);
}

bool PositionedSax::parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
  // nlohmann counts characters from 1 and prefixes a line/column we replace with the file byte.
  std::string_view what = e.what();
  std::size_t colon = what.find(": ", what.find("column"));
  if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  // The message quotes the bytes last read, which may be anything; keep the message printable.
  std::string printable;
  for (unsigned char ch : what)
    printable += ch >= 0x20 && ch < 0x7f ? std::string(1, static_cast<char>(ch)) : fmt::format("\\x{:02x}", ch);
  fail(source_, kHeaderStart + (position > 0 ? position - 1 : 0), "the header is not valid JSON: " + printable);
}

std::string shown(const json& v) {
  std::string s = v.dump();
  return s.size() <= 40 ? s : s.substr(0, 37) + "...";
}

std::uint64_t non_negative(const json& v, std::uint64_t at, const std::string& source, std::string_view what) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) fail(source, at, fmt::format("{} is negative: {}", what, shown(v)));
  fail(source, at, fmt::format("{} must be a non-negative integer, got {}", what, shown(v)));
}

const json& field(const json& entry, const std::string& name, const char* key, std::uint64_t at,
                  const std::string& source) {
  auto it = entry.find(key);
  if (it == entry.end()) fail(source, at, fmt::format("tensor {} has no \"{}\"", json(name).dump(), key));
  return *it;
}

void parse_shape(HeaderEntry& e, const json& shape, const std::string& source) {
  std::string what = fmt::format("tensor {}: shape", json(e.name).dump());
  if (!shape.is_array()) fail(source, e.at_shape, fmt::format("{} must be an array, got {}", what, shown(shape)));
  if (shape.size() > static_cast<std::size_t>(autodiff::kMaxRank))
    fail(source, e.at_shape, fmt::format("{} has rank {}; the limit is {}", what, shape.size(), autodiff::kMaxRank));
  e.numel = 1;
  for (const json& d : shape) {
    std::uint64_t n = non_negative(d, e.at_shape, source, what + " entry");
    // Divide before multiplying, so the check itself cannot overflow.
    if (n > static_cast<std::uint64_t>(INT64_MAX) || (n != 0 && static_cast<std::uint64_t>(e.numel) > INT64_MAX / n))
      fail(source, e.at_shape, fmt::format("{} {}: the element count overflows int64", what, shown(shape)));
    e.shape.push_back(static_cast<std::int64_t>(n));
    e.numel *= static_cast<std::int64_t>(n);
  }
}

void parse_offsets(HeaderEntry& e, const json& offsets, const std::string& source) {
  std::string what = fmt::format("tensor {}: data_offsets", json(e.name).dump());
  if (!offsets.is_array() || offsets.size() != 2)
    fail(source, e.at_offsets, fmt::format("{} must be [begin, end], got {}", what, shown(offsets)));
  e.begin = non_negative(offsets[0], e.at_offsets, source, what + " begin");
  e.end = non_negative(offsets[1], e.at_offsets, source, what + " end");
  if (e.begin > e.end) fail(source, e.at_offsets, fmt::format("{} [{}, {}] end before they begin", what, e.begin, e.end));
}

HeaderEntry parse_entry(const std::string& name, const json& v, const PositionedSax& sax, const std::string& source) {
  HeaderEntry e;
  e.name = name;
  e.at_name = sax.at(name);
  if (!v.is_object())
    fail(source, e.at_name, fmt::format("tensor {} must be an object, got {}", json(name).dump(), shown(v)));
  e.at_dtype = sax.at(name, "dtype");
  e.at_shape = sax.at(name, "shape");
  e.at_offsets = sax.at(name, "data_offsets");
  const json& dtype = field(v, name, "dtype", e.at_name, source);
  if (!dtype.is_string())
    fail(source, e.at_dtype, fmt::format("tensor {}: dtype must be a string, got {}", json(name).dump(), shown(dtype)));
  e.dtype = dtype.get<std::string>();
  parse_shape(e, field(v, name, "shape", e.at_name, source), source);
  parse_offsets(e, field(v, name, "data_offsets", e.at_name, source), source);
  return e;
}

std::map<std::string, std::string> parse_metadata(const json& v, const PositionedSax& sax, const std::string& source) {
  const std::string key = "__metadata__";
  if (!v.is_object()) fail(source, sax.at(key), fmt::format("__metadata__ must be an object of strings, got {}", shown(v)));
  std::map<std::string, std::string> out;
  for (const auto& [k, value] : v.items()) {
    if (!value.is_string())
      fail(source, sax.at(key, k), fmt::format("__metadata__ {} must be a string, got {}", json(k).dump(), shown(value)));
    out.emplace(k, value.get<std::string>());
  }
  return out;
}

}  // namespace

Header parse_header(std::string_view text, const std::string& source) {
  json root;
  PositionedSax sax(root, text, source);
  TrackingIterator first(text.data(), sax.head()), last(text.data() + text.size(), sax.head());
  json::sax_parse(first, last, &sax);
  if (!root.is_object()) fail(source, kHeaderStart, "the header is not a JSON object");
  Header h;
  for (const auto& [name, v] : root.items()) {
    if (name == "__metadata__")
      h.metadata = parse_metadata(v, sax, source);
    else
      h.entries.push_back(parse_entry(name, v, sax, source));
  }
  return h;
}

}  // namespace nn::io::detail
