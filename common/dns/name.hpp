// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/name.hpp: DNS name checks and conversions shared by every backend.
// Pure functions; no I/O, no logging, no shared state; any thread.
// Two gates, for two kinds of name:
// - normalize_query_name() is the gate every name passes before a backend looks it up, so
//   every backend accepts the same names. DNS labels may hold any octet (RFC 2181 s11), so
//   names are in RFC 1035 s5.1 presentation form, in one spelling: an octet outside
//   0x21..0x7e, a dot inside a label and a backslash are written \DDD (decimal), every
//   other octet as itself. No other escape is accepted (\065 for 'A', \. or \x): a name
//   has exactly one spelling, up to the case of ASCII letters, so a name from mail that
//   holds a stray backslash cannot come to mean an ordinary host name; and every '.' of
//   the text separates labels, so comparing names as text by their dotted suffix stays
//   sound ("evil\046example.org" is not below "example.org").
//   Limits (RFC 1035 s2.3.4): labels of 1..63 octets, 255 octets on the wire.
// - normalize_name() is the strict check for names that must be host names (mail
//   domains in reports, configuration): the same limits, no escapes at all, only octets
//   0x21..0x7e.
// escape_name() and unescape_name() convert between presentation form and the dotted
// text SPF macro expansion and libspf2 use (dots separate labels, every other octet is
// itself).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::dns {

inline constexpr std::size_t kMaxLabelLength = 63;  // RFC 1035 s2.3.4
// Presentation form of a plain name without the trailing dot; 255 octets on the wire.
inline constexpr std::size_t kMaxNameLength = 253;
inline constexpr std::size_t kMaxWireNameLength = 255;  // RFC 1035 s2.3.4, the root label included
// Room for any name in wire form (query_name_to_wire()).
using WireNameBuffer = std::array<std::uint8_t, kMaxWireNameLength>;

// Lower-cases `name`, drops one trailing dot and checks it. Rejected (Errc::bad_input):
// empty name or "." alone, an empty label ("a..b", ".a"), a label over kMaxLabelLength,
// a name over kMaxNameLength, and any octet outside 0x21..0x7e or a backslash (no mail
// domain, DKIM selector or configured host name legitimately holds one).
[[nodiscard]] Result<std::string> normalize_name(std::string_view name);

// A name in the one spelling described above (ASCII letters in any case, with or without
// the trailing dot) in its normalized form: letters lower case, no trailing dot. For a
// name without escapes the result is normalize_name()'s. Errc::bad_input: empty or "."
// alone, an empty label, a label over kMaxLabelLength octets, over kMaxWireNameLength
// octets on the wire, an octet outside 0x21..0x7e not written as an escape, an escape
// other than \DDD (000..255) of an octet that needs one.
[[nodiscard]] Result<std::string> normalize_query_name(std::string_view name);
// The same appended to `out` (a cache key built in one buffer); false, `out` untouched,
// for a name normalize_query_name() refuses.
[[nodiscard]] bool append_normalized_query_name(std::string_view name, std::string& out);

// The uncompressed wire form of a name normalize_query_name() accepts, letter case kept,
// written to `out`; the number of octets written (the root label included).
// Errc::bad_input as normalize_query_name().
[[nodiscard]] Result<std::size_t> query_name_to_wire(std::string_view name,
                                                     std::span<std::uint8_t, kMaxWireNameLength> out);
// The same, also telling whether `name` is normalized already (normalize_query_name()
// would return it unchanged): the resolver checks and encodes a name in one pass, and a
// name from the cache layer is not copied again.
[[nodiscard]] Result<std::size_t> query_name_to_wire(std::string_view name,
                                                     std::span<std::uint8_t, kMaxWireNameLength> out,
                                                     bool& is_normalized);

// Renders uncompressed wire-format labels (as ldns stores a dname) in normalized
// presentation form (what normalize_query_name() returns): lower-case letters, no
// trailing dot, the escapes above; the root becomes "". Errc::bad_input on truncated or
// overlong input (a label over 63 octets, over 255 octets).
[[nodiscard]] Result<std::string> wire_name_to_text(std::span<const std::uint8_t> wire);

// Dotted text (dots separate labels, every other octet stands for itself) in presentation
// form: '\\' and octets outside 0x21..0x7e written \DDD. Letter case and a trailing dot are
// kept; nothing is checked (normalize_query_name() does that when the name is asked).
std::string escape_name(std::string_view dotted);
// The same without a copy when nothing needs escaping: `dotted` itself, or the escaped
// text, kept in `storage`.
std::string_view escape_name(std::string_view dotted, std::string& storage);

// The reverse: a name normalize_query_name() accepts as dotted text (escapes resolved,
// no trailing dot, letter case kept). nullopt for a name it refuses, and for one with a
// dot inside a label, which dotted text cannot hold.
std::optional<std::string> unescape_name(std::string_view name);

// The Answer a backend returns for a name normalize_name() rejected.
struct Answer;
Answer invalid_name_answer();

// The PTR query name of an IPv4 or IPv6 address ("25.2.0.192.in-addr.arpa", nibbles under
// ip6.arpa for IPv6); empty for text that is not an address. Pure.
std::string reverse_name(std::string_view ip);

}  // namespace cachet::dns
