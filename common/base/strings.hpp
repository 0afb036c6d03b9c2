// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/strings.hpp: small ASCII string helpers used by every parser. Pure, no
// locale (mail protocols are ASCII-case-insensitive, never locale-dependent); any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cachet {

inline constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
std::string to_lower(std::string_view s);
// Appends s lower-cased to out (one allocation at most, none when out has the room).
void append_lower(std::string& out, std::string_view s);
// True when s has no byte >= 0x80.
bool is_ascii(std::string_view s) noexcept;
// Strips spaces and horizontal tabs (and CR/LF) at both ends.
std::string_view trim(std::string_view s) noexcept;
// Splits on every occurrence of sep; empty fields are kept.
std::vector<std::string_view> split(std::string_view s, char sep);
// f(field) for each field split() would return, in order, without a vector.
template <class F>
void for_each_split(std::string_view s, char sep, F&& f) {
  for (;;) {
    const auto pos = s.find(sep);
    f(s.substr(0, pos));
    if (pos == std::string_view::npos) return;
    s.remove_prefix(pos + 1);
  }
}
// Parses a whole decimal number (no sign, no spaces); nullopt on junk or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;
// True when s is well-formed UTF-8 (RFC 3629: shortest forms only, no surrogates, at most
// U+10FFFF). ASCII is well-formed.
bool is_valid_utf8(std::string_view s) noexcept;
// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or 0 when the
// bytes there are not one (or i is past the end).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

// Hash for unordered containers of std::string keys, looked up by string_view (with
// std::equal_to<>): find(view) without building a std::string per lookup. Not noexcept
// on purpose: libstdc++ then keeps each node's hash code, as for std::hash<std::string>,
// instead of hashing keys again while it walks a bucket.
struct StringHash {
  // NOLINTNEXTLINE(readability-identifier-naming): the name the standard library looks for
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace cachet
