// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/nameserver.hpp: nameserver addresses from configuration ("Nameservers"
// option) and from resolv.conf(5) text. Pure parsers; no I/O except read_resolv_conf();
// any thread.
// Accepted forms: "192.0.2.1", "192.0.2.1:5353", "2001:db8::1" (bare IPv6, port 53),
// "[2001:db8::1]", "[2001:db8::1]:5353". Host names are rejected: resolving a resolver's
// name would need a resolver. Scoped IPv6 (fe80::1%eth0) is not supported.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dns {

inline constexpr std::uint16_t kDnsPort = 53;
inline constexpr std::size_t kMaxNameservers = 16;

struct Nameserver {
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string text;  // canonical "address:port" / "[v6]:port", for log lines

  int family() const noexcept { return addr.ss_family; }
};

// Errc::config on an empty string, a host name, junk, a bad or zero port.
[[nodiscard]] Result<Nameserver> parse_nameserver(std::string_view spec);

// Parses each spec; the first bad one fails the whole list (Errc::config, naming it).
// More than kMaxNameservers entries is a config error too.
[[nodiscard]] Result<std::vector<Nameserver>> parse_nameservers(const std::vector<std::string>& specs);

// The "nameserver ADDRESS" lines of resolv.conf(5) text, in order; other lines and
// unparsable addresses are skipped as the C library does. Empty when there are none.
std::vector<Nameserver> parse_resolv_conf(std::string_view text);

// Reads and parses `path`; Errc::config when it cannot be read or names no nameserver.
[[nodiscard]] Result<std::vector<Nameserver>> read_resolv_conf(const std::string& path);

}  // namespace cachet::dns
