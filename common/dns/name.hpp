// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/name.hpp: DNS name checks and conversions shared by every backend.
// Pure functions; no I/O, no logging, no shared state; any thread.
// normalize_name() is the single gate a name passes before any backend looks it up, so
// every backend rejects the same names (RFC 1035 s2.3.4 limits, RFC 7208 s4.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::dns {

inline constexpr std::size_t kMaxLabelLength = 63;  // RFC 1035 s2.3.4
// Presentation form without the trailing dot; 255 octets on the wire.
inline constexpr std::size_t kMaxNameLength = 253;

// Lower-cases `name`, drops one trailing dot and checks it. Rejected (Errc::bad_input):
// empty name or "." alone, an empty label ("a..b", ".a"), a label over kMaxLabelLength,
// a name over kMaxNameLength, and any octet outside 0x21..0x7e or a backslash (such a
// name cannot be written unambiguously in presentation form, and no mail domain, DKIM
// selector or SPF target legitimately holds one).
[[nodiscard]] Result<std::string> normalize_name(std::string_view name);

// True when normalize_name(name) would return `name` itself (valid, lower case, no
// trailing dot): a backend given a name from the cache layer need not copy it again.
bool is_normalized_name(std::string_view name) noexcept;

// Renders uncompressed wire-format labels (as ldns stores a dname) in lower-case
// presentation form without the trailing dot; the root becomes "". Octets that cannot
// appear literally ('.', '\\', outside 0x21..0x7e) are written as \DDD, so such a name
// never passes normalize_name(). Errc::bad_input on truncated or overlong input.
[[nodiscard]] Result<std::string> wire_name_to_text(std::span<const std::uint8_t> wire);

// The Answer a backend returns for a name normalize_name() rejected.
struct Answer;
Answer invalid_name_answer();

// The PTR query name of an IPv4 or IPv6 address ("25.2.0.192.in-addr.arpa", nibbles under
// ip6.arpa for IPv6); empty for text that is not an address. Pure.
std::string reverse_name(std::string_view ip);

}  // namespace cachet::dns
