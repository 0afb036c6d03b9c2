// SPDX-License-Identifier: BSD-2-Clause
//
// common/base/strings.hpp: small ASCII string helpers used by every parser. Pure, no
// locale (mail protocols are ASCII-case-insensitive, never locale-dependent); any thread.
#pragma once

#include <cstdint>
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
// Strips spaces and horizontal tabs (and CR/LF) at both ends.
std::string_view trim(std::string_view s) noexcept;
// Splits on every occurrence of sep; empty fields are kept.
std::vector<std::string_view> split(std::string_view s, char sep);
// Parses a whole decimal number (no sign, no spaces); nullopt on junk or overflow.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;
// True when s is well-formed UTF-8 (RFC 3629: shortest forms only, no surrogates, at most
// U+10FFFF). ASCII is well-formed.
bool is_valid_utf8(std::string_view s) noexcept;
// Length of the well-formed UTF-8 sequence starting at s[i] (1 for ASCII), or 0 when the
// bytes there are not one (or i is past the end).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept;

}  // namespace cachet
