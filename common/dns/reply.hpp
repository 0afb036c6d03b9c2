// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/reply.hpp: DNS messages on the wire (RFC 1035 s4.1), written and read here
// without ldns: a cold lookup spent most of its instructions in ldns's packet objects
// (callgrind, tests/bench spf-cold-socket). The reply decoder is a pure function of the
// bytes received (untrusted: fuzzed by tests/fuzz/fuzz_dns_reply.cpp; checked against
// ldns's reading by a differential fuzz run, see reply.cpp); no I/O, no logging; any thread.
// Mapping (RFC 1035, RFC 2308, RFC 6604):
//   NOERROR + records of the asked type (after CNAMEs)  -> answer
//   NOERROR without them                                 -> nodata
//   NXDOMAIN (also at the end of a CNAME chain)          -> nxdomain
//   SERVFAIL, REFUSED, FORMERR, NOTIMP, any other rcode,
//   a CNAME chain longer than kMaxCnameChain or looping, a record that cannot be
//   decoded                                              -> servfail
// negative_ttl = min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dns/name.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {

inline constexpr std::size_t kMaxCnameChain = 8;
inline constexpr std::size_t kDnsHeaderSize = 12;
inline constexpr std::size_t kMaxMessageSize = 65535;
// A query with one question and an OPT record: header, name, type and class, the OPT RR.
inline constexpr std::size_t kMaxQuerySize = kDnsHeaderSize + kMaxWireNameLength + 4 + 11;
using QueryBuffer = std::array<std::uint8_t, kMaxQuerySize>;

enum class ReplyKind {
  usable,     // answer holds the outcome
  truncated,  // TC bit set: ask again over TCP
  mismatch,   // not a reply to our query (ID, QR bit or question differ): ignore it
};

struct DecodedReply {
  ReplyKind kind = ReplyKind::mismatch;
  Answer answer;  // meaningful for ReplyKind::usable only
};

// qname must be normalized (normalize_query_name()); the reply's question must name it,
// ASCII letters compared without regard to case, every other octet exactly (RFC 4343).
// A reply whose ID matches but that
// cannot be parsed is usable with status servfail (the server answered, badly); bytes
// too short to hold an ID, or with another ID, are a mismatch.
DecodedReply decode_reply(std::span<const std::uint8_t> wire, std::uint16_t id, std::string_view qname, RrType qtype);
// The same with qname's wire form (query_name_to_wire(qname)) passed in: a resolver that
// encoded the name for its query need not encode it again for every reply.
DecodedReply decode_reply(std::span<const std::uint8_t> wire, std::uint16_t id, std::string_view qname,
                          std::span<const std::uint8_t> qname_wire, RrType qtype);

// A recursion-desired query for (qname, qtype, IN) with the given ID; with an EDNS0 OPT
// record advertising edns_udp_size when it is non-zero. qname in presentation form
// (name.hpp: its escapes are decoded). Errc::internal for a name normalize_query_name()
// refuses (callers pass normalized names: one refused here is our bug).
[[nodiscard]] Result<std::vector<std::uint8_t>> build_query(std::string_view qname, RrType qtype, std::uint16_t id,
                                                            std::uint16_t edns_udp_size);
// The same query written to `out` from qname's wire form (query_name_to_wire(): at most
// 255 octets, ending in the root); the number of octets written. Cannot fail.
std::size_t write_query(std::span<const std::uint8_t> qname_wire, RrType qtype, std::uint16_t id,
                        std::uint16_t edns_udp_size, std::span<std::uint8_t, kMaxQuerySize> out) noexcept;

}  // namespace cachet::dns
