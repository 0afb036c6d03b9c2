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
// set_delay(d): every UDP reply leaves d after its query arrived, without holding up the
// queries behind it (replies wait in a queue the server thread sends from: a resolver's
// independent queries in flight together each take d, not the sum); TCP is not delayed.
// set_stray_replies(true): every UDP reply is preceded by a copy with another ID (what a
// spoofer or a late reply looks like: the resolver must ignore it).
// Threading: one server thread; start() returns once both sockets are bound, stop()
// wakes the thread through an eventfd and joins it (no sleeps). The zone may be changed
// while the server runs (ZoneResolver is thread-safe). Queries to 127.0.0.0/8 or ::1 only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <time.h>

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
  void set_delay(std::chrono::microseconds d) noexcept { delay_us_.store(d.count()); }
  void set_stray_replies(bool on) noexcept { stray_.store(on); }

  // The reply to one query (empty: no reply). Public for unit tests of the server.
  std::vector<std::uint8_t> respond(std::span<const std::uint8_t> query, bool over_udp) const;

 private:
  void run();
  void serve_udp();
  void serve_tcp();
  bool wait_readable(int fd) const;
  void send_due();
  const timespec* next_due(timespec& wait) const;

  dns::ZoneResolver& zone_;
  std::string address_;
  std::uint16_t port_ = 0;
  Fd udp_;
  Fd tcp_;
  Fd wake_;
  std::thread thread_;
  std::atomic<std::size_t> udp_queries_{0};
  std::atomic<std::size_t> tcp_queries_{0};
  std::atomic<std::int64_t> delay_us_{0};
  std::atomic<bool> stray_{false};
  struct Delayed {  // a UDP reply waiting for its time (server thread only)
    std::chrono::steady_clock::time_point due;
    std::vector<std::uint8_t> reply;
    sockaddr_storage to;
    socklen_t to_len;
  };
  std::deque<Delayed> delayed_;  // in due order: the delay is the same for all
};

}  // namespace cachet::testlib
