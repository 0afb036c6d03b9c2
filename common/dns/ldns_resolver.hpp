// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/ldns_resolver.hpp: the network Resolver. A stub resolver: it asks the
// configured recursive nameservers (recursion desired) and never recurses itself.
// Messages are built and parsed by common/dns/reply.hpp (no ldns); the transport is ours:
// one connected UDP socket per attempt (the kernel picks a random source port and drops
// datagrams from other addresses; to a loopback nameserver the socket of an answered
// query is kept for the next one), a random 16-bit ID from getrandom(2), replies whose ID
// or question differ are ignored until the deadline, TCP (RFC 7766) when the UDP reply
// has the TC bit, EDNS0 (RFC 6891) advertising ResolverOptions::edns_udp_size.
// Attempts: retries + 1, each to the next nameserver in turn, each bounded by timeout
// (the TCP retry of a truncated reply gets a fresh timeout). SERVFAIL-class replies move
// on to the next nameserver when there are several. No reply at all -> Status::timeout.
// query_many(): every question's first attempt is sent at once and one poll(2) loop waits
// on all of them. A batch of up to 8 to a loopback first nameserver (a DMARC message's
// lookups) shares one socket (loopback only, as for kept sockets: one source port serves
// several queries): one sendmmsg(2), and recvmmsg(2) drains what has arrived,
// each reply going to the question whose ID and question it matches (a reply cut short by
// its 8 KiB buffer is treated as truncated: TCP); that socket is kept only when every
// query on it was answered. Otherwise a socket each (kept loopback sockets are reused, more
// are opened as needed and kept afterwards up to a bound; at most 32 questions in flight,
// the others start as those end). Retries always use a socket each. Each question goes
// through the same attempts, deadlines, ID/question checks and TCP retry as alone
// (query() is a batch of one, so there is one mechanism); a failed send, or the shared
// socket's ICMP error, moves its questions on to their next attempt at once. A TCP retry
// of a truncated reply runs to its end before the loop reads the other sockets (their
// deadlines still hold).
// Thread-safety: query() touches immutable state, the sockets it holds, and the list of
// kept sockets (one mutex, held only to take or return a socket): one object serves
// every thread.
// Names failing normalize_query_name() are answered nxdomain + is_invalid_name, unsent.
// Measured (tests/bench cachet-bench-resolver, loopback test server, the querying
// thread's CPU): ~3.2 us per uncached query with the kept socket, ~7.6 us with a socket
// per query; through query_many() five at a time ~3.2 us per query (the same work, one
// wake-up per batch instead of one per query), ~3.7 us with the shared socket (6% less).
// "No reply" includes ICMP-refused and TCP failures: both end as timeout.
// LIMITATION: no DNSSEC validation (the AD bit is not read): trust in the answers is the
// recursive nameserver's, so run it on the same host or a trusted network. No DNS cookies
// and no 0x20 case randomization; spoofing resistance is the 16-bit ID, the random
// source port, the connected socket and the question check.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/base/fd.hpp"
#include "common/base/guarded.hpp"
#include "common/base/result.hpp"
#include "common/dns/nameserver.hpp"
#include "common/dns/reply.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {

struct ResolverOptions {
  // "192.0.2.1", "192.0.2.1:5353", "[2001:db8::1]:53", "2001:db8::1". Empty: the
  // nameserver lines of resolv_conf are used (read once, at create()).
  std::vector<std::string> nameservers;
  std::string resolv_conf = "/etc/resolv.conf";
  std::chrono::milliseconds timeout{5000};  // per attempt
  unsigned retries = 1;                     // attempts = retries + 1
  // EDNS0 UDP payload size; 1232 avoids IP fragmentation (DNS flag day 2020). 0: no EDNS.
  std::uint16_t edns_udp_size = 1232;
};

inline constexpr unsigned kMaxRetries = 10;
inline constexpr std::chrono::milliseconds kMaxTimeout{60000};

class LdnsResolver final : public Resolver {
 public:
  // Errc::config: a bad nameserver spec, an unreadable resolv.conf (only consulted when
  // options.nameservers is empty), timeout 0 or over kMaxTimeout, retries > kMaxRetries.
  [[nodiscard]] static Result<std::unique_ptr<LdnsResolver>> create(ResolverOptions options);

  Answer query(std::string_view name, RrType type) override;
  std::vector<Answer> query_many(std::span<const Question> questions) override;

  const std::vector<Nameserver>& nameservers() const noexcept { return servers_; }
  // Counters for tests and statistics lines.
  std::uint64_t udp_queries_sent() const noexcept { return udp_sent_.load(); }
  std::uint64_t tcp_queries_sent() const noexcept { return tcp_sent_.load(); }
  // Every query's outcome and duration go to `o` from now on (null: none). `o` must outlive
  // the resolver or be reset first.
  void set_observer(const QueryObserver* o) noexcept { observer_.store(o); }
  // UDP sockets to loopback nameservers kept for the next query (tests).
  std::size_t idle_sockets() const {
    return idle_udp_.with([](const auto& v) { return v.size(); });
  }

 private:
  LdnsResolver(std::vector<Nameserver> servers, ResolverOptions options);
  enum class Outcome { done, no_reply, failed };
  struct Flight;
  // A batch's first attempts sent together on one socket (start_shared()).
  struct Shared {
    Fd fd;
    std::size_t waiting = 0;  // flights whose reply it still owes
    bool is_spoiled = false;  // a flight gave up on it: never kept
  };
  static bool prepare(Flight& f, std::string_view name, RrType type);
  std::vector<Answer> ask(std::span<const Question> questions, std::span<Flight> flights);
  void answer_all(std::span<Flight> flights);
  void fly(std::span<Flight> flights);
  void begin_attempt(Flight& f);
  void start(Flight& f);
  bool start_shared(std::span<Flight> flights, Shared& shared);
  void leave_shared(Flight& f, Shared& shared, bool is_answered);
  void on_shared_readable(std::span<Flight> flights, Shared& shared, std::span<std::uint8_t> buf);
  void on_reply(Flight& f, DecodedReply reply);
  void on_readable(Flight& f, std::span<std::uint8_t> buf);
  void settle(Flight& f);
  Fd take_udp(std::size_t server);
  void keep_udp(std::size_t server, Fd fd);
  Outcome try_tcp(const Nameserver& ns, Flight& f);

  std::vector<Nameserver> servers_;
  ResolverOptions options_;
  std::atomic<std::uint64_t> udp_sent_{0};
  std::atomic<std::uint64_t> tcp_sent_{0};
  std::atomic<const QueryObserver*> observer_{nullptr};
  // Connected UDP sockets to loopback nameservers, kept between queries: a socket per
  // query costs socket(), connect() and close() on top of the exchange. Only loopback:
  // no off-host attacker can send there, while a remote server's replies need a fresh
  // random source port per query (RFC 5452 s9.2). A socket whose query got no reply is
  // closed, never kept; a kept one has had its one query answered, so nothing is left
  // pending on it (a server that went away meanwhile makes its next recv fail, and it
  // is closed then, as a fresh socket would fail).
  std::vector<bool> is_loopback_;  // per servers_ index
  struct IdleSocket {
    std::size_t server;
    Fd fd;
  };
  Guarded<std::vector<IdleSocket>> idle_udp_;
};

}  // namespace cachet::dns
