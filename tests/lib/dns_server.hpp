// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/dns_server.hpp: an authoritative-looking DNS server for integration tests,
// serving a ZoneResolver's data on a loopback address over UDP and TCP (same port, chosen
// by the OS). Built on ldns: queries parsed with ldns_wire2pkt, replies written with
// ldns_pkt2wire. Behaviour per name comes from the zone's faults:
//   Fault::timeout   never answered (UDP dropped, TCP left unanswered)
//   Fault::servfail  rcode SERVFAIL
//   Fault::truncate  over UDP: TC bit, no records; over TCP: the full answer
// A UDP reply larger than the client's EDNS0 payload size (512 without EDNS) is sent
// truncated too, so large TXT records exercise the TCP fallback naturally. CNAME chains
// are sent as a recursive server would (the CNAMEs, then the target's records); negative
// replies carry an SOA whose MINIMUM is the zone's negative TTL.
// Threading: one server thread; start() returns once both sockets are bound, stop()
// wakes the thread through an eventfd and joins it (no sleeps). The zone may be changed
// while the server runs (ZoneResolver is thread-safe). Queries to 127.0.0.0/8 or ::1 only.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"
#include "common/dns/zone_resolver.hpp"

namespace cachet::testlib {

class DnsServer {
 public:
  explicit DnsServer(dns::ZoneResolver& zone) : zone_(zone) {}
  ~DnsServer() { stop(); }
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;

  // Binds UDP and TCP on `address` (an IPv4 or IPv6 literal) and a free port, then starts
  // the server thread. Errc::temporary when no common free port is found.
  [[nodiscard]] Result<void> start(std::string_view address = "127.0.0.1");
  void stop();

  std::uint16_t port() const noexcept { return port_; }
  // "127.0.0.1:5353" or "[::1]:5353", as ResolverOptions::nameservers takes it.
  std::string nameserver() const;
  std::size_t udp_queries() const noexcept { return udp_queries_.load(); }
  std::size_t tcp_queries() const noexcept { return tcp_queries_.load(); }

  // The reply to one query (empty: no reply). Public for unit tests of the server.
  std::vector<std::uint8_t> respond(std::span<const std::uint8_t> query, bool over_udp) const;

 private:
  void run();
  void serve_udp();
  void serve_tcp();
  bool wait_readable(int fd) const;

  dns::ZoneResolver& zone_;
  std::string address_;
  std::uint16_t port_ = 0;
  Fd udp_;
  Fd tcp_;
  Fd wake_;
  std::thread thread_;
  std::atomic<std::size_t> udp_queries_{0};
  std::atomic<std::size_t> tcp_queries_{0};
};

}  // namespace cachet::testlib
