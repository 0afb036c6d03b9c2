// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/zone_file.hpp: a small subset of RFC 1035 s5 master-file syntax, for test
// zone data (ZoneResolver, the test DNS server). Pure functions; any thread.
// Lines: `name [ttl] [IN] type rdata` with type A, AAAA, MX, TXT, SPF, CNAME, PTR, NS.
// Names are absolute (the trailing dot is optional), in the presentation form of
// dns::normalize_query_name() (\DDD escapes); no $ORIGIN, $TTL, '@', parentheses or blank
// owner. TXT rdata: one or more "quoted strings" (escapes \" \\ \DDD) or bare
// words. ';' starts a comment outside quotes. Errors name the line (Errc::bad_input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {

inline constexpr std::uint32_t kDefaultZoneTtl = 300;
inline constexpr std::size_t kMaxTxtStringLength = 255;  // one character-string

// Builds a record as the backends return it: owner and target names normalized,
// addresses in inet_ntop form. value: the address (A/AAAA), "preference host" (MX), the
// target (CNAME/PTR/NS), the text (TXT/SPF: split into 255-octet strings). SOA is not
// supported. Errc::bad_input on an invalid name, address, preference or type.
[[nodiscard]] Result<Record> make_record(std::string_view owner, RrType type, std::string_view value,
                                         std::uint32_t ttl = kDefaultZoneTtl);
// TXT/SPF from explicit character-strings (each at most kMaxTxtStringLength).
[[nodiscard]] Result<Record> make_txt_record(std::string_view owner, std::vector<std::string> strings,
                                             std::uint32_t ttl = kDefaultZoneTtl, RrType type = RrType::txt);

[[nodiscard]] Result<std::vector<Record>> parse_zone_text(std::string_view text);

}  // namespace cachet::dns
