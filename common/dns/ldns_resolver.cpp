// SPDX-License-Identifier: BSD-2-Clause
// common/dns/ldns_resolver.cpp: see ldns_resolver.hpp.
#include "common/dns/ldns_resolver.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "common/base/random.hpp"
#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

namespace cachet::dns {
namespace {

using Clock = std::chrono::steady_clock;

// More idle sockets than threads querying at once are never needed; a bound all the same.
constexpr std::size_t kMaxIdleSockets = 64;

bool is_loopback(const Nameserver& ns) {
  if (ns.family() == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ns.addr);
    return (ntohl(a.sin_addr.s_addr) >> 24) == 127;
  }
  if (ns.family() == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ns.addr);
    return IN6_IS_ADDR_LOOPBACK(&a.sin6_addr) != 0;
  }
  return false;
}

std::uint16_t random_id() { return static_cast<std::uint16_t>(random_u32()); }

// Waits until fd is ready for `events` or the deadline passes; false on timeout/error.
bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

Fd open_connected(const Nameserver& ns, int type) {
  Fd fd(::socket(ns.family(), type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return fd;
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&ns.addr), ns.addr_len) != 0 && errno != EINPROGRESS)
    fd.reset();
  return fd;
}

bool write_all(int fd, const std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

bool read_exact(int fd, std::uint8_t* data, std::size_t size, Clock::time_point deadline) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n > 0) {
      data += n;
      size -= static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLIN, deadline)) return false;
    } else {
      return false;  // EOF or error
    }
  }
  return true;
}

}  // namespace

struct LdnsResolver::Attempt {
  std::string_view qname;  // normalized; outlives the attempt
  RrType qtype;
  std::uint16_t id = 0;
  std::vector<std::uint8_t> query;
  Clock::time_point deadline;
  Answer answer;
};

Result<std::unique_ptr<LdnsResolver>> LdnsResolver::create(ResolverOptions options) {
  if (options.timeout.count() <= 0 || options.timeout > kMaxTimeout)
    return fail(Errc::config, "DNS timeout must be 1ms..60s");
  if (options.retries > kMaxRetries) return fail(Errc::config, "DNS retries must be 0..10");
  auto servers =
      options.nameservers.empty() ? read_resolv_conf(options.resolv_conf) : parse_nameservers(options.nameservers);
  if (!servers) return Unexpected<Error>(std::move(servers).error());
  return std::unique_ptr<LdnsResolver>(new LdnsResolver(std::move(*servers), std::move(options)));
}

LdnsResolver::LdnsResolver(std::vector<Nameserver> servers, ResolverOptions options)
    : servers_(std::move(servers)), options_(std::move(options)) {
  for (const Nameserver& ns : servers_) is_loopback_.push_back(is_loopback(ns));
}

Fd LdnsResolver::take_udp(std::size_t server) {
  if (is_loopback_[server]) {
    auto idle = idle_udp_.lock();
    for (auto it = idle->begin(); it != idle->end(); ++it) {
      if (it->server != server) continue;
      Fd fd = std::move(it->fd);
      idle->erase(it);
      return fd;
    }
  }
  return open_connected(servers_[server], SOCK_DGRAM);
}

void LdnsResolver::keep_udp(std::size_t server, Fd fd) {
  if (!is_loopback_[server]) return;  // closed here
  auto idle = idle_udp_.lock();
  if (idle->size() < kMaxIdleSockets) idle->push_back(IdleSocket{server, std::move(fd)});
}

LdnsResolver::Outcome LdnsResolver::try_udp(std::size_t server, Attempt& at) {
  Fd fd = take_udp(server);
  if (!fd.valid()) return Outcome::failed;
  if (::send(fd.get(), at.query.data(), at.query.size(), 0) != static_cast<ssize_t>(at.query.size()))
    return Outcome::failed;
  udp_sent_.fetch_add(1, std::memory_order_relaxed);
  std::array<std::uint8_t, kMaxMessageSize> buf;
  for (;;) {
    if (!wait_fd(fd.get(), POLLIN, at.deadline)) return Outcome::no_reply;
    const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Outcome::failed;  // ECONNREFUSED: ICMP port unreachable
    }
    auto reply = decode_reply({buf.data(), static_cast<std::size_t>(n)}, at.id, at.qname, at.qtype);
    if (reply.kind == ReplyKind::mismatch) continue;  // stray or spoofed: keep waiting
    if (reply.kind == ReplyKind::truncated) return Outcome::truncated;
    at.answer = std::move(reply.answer);
    keep_udp(server, std::move(fd));
    return Outcome::done;
  }
}

LdnsResolver::Outcome LdnsResolver::try_tcp(const Nameserver& ns, Attempt& at) {
  const Fd fd = open_connected(ns, SOCK_STREAM);
  if (!fd.valid() || !wait_fd(fd.get(), POLLOUT, at.deadline)) return Outcome::failed;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return Outcome::failed;
  // RFC 1035 s4.2.2: each message is preceded by its length as two octets.
  std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(at.query.size() >> 8),
                                   static_cast<std::uint8_t>(at.query.size() & 0xff)};
  framed.insert(framed.end(), at.query.begin(), at.query.end());
  if (!write_all(fd.get(), framed.data(), framed.size(), at.deadline)) return Outcome::failed;
  tcp_sent_.fetch_add(1, std::memory_order_relaxed);
  std::array<std::uint8_t, 2> head{};
  if (!read_exact(fd.get(), head.data(), head.size(), at.deadline)) return Outcome::no_reply;
  std::vector<std::uint8_t> body(static_cast<std::size_t>(head[0] << 8 | head[1]));
  if (!read_exact(fd.get(), body.data(), body.size(), at.deadline)) return Outcome::no_reply;
  auto reply = decode_reply(body, at.id, at.qname, at.qtype);
  if (reply.kind != ReplyKind::usable) return Outcome::failed;  // TC or junk over TCP
  at.answer = std::move(reply.answer);
  return Outcome::done;
}

Answer LdnsResolver::query(std::string_view name, RrType type) {
  const QueryObserver* observer = observer_.load();
  if (observer == nullptr) return ask_servers(name, type);
  const auto start = Clock::now();
  Answer a = ask_servers(name, type);
  observer->on_query(a.status, Clock::now() - start);
  return a;
}

Answer LdnsResolver::ask_servers(std::string_view name, RrType type) {
  std::string normalized;  // the cache layer hands over normalized names: no copy then
  if (!is_normalized_name(name)) {
    auto n = normalize_name(name);
    if (!n) return invalid_name_answer();
    normalized = std::move(*n);
    name = normalized;
  }
  Attempt at{name, type, 0, {}, {}, {}};
  bool saw_servfail = false;
  for (unsigned i = 0; i <= options_.retries; ++i) {
    const std::size_t server = i % servers_.size();
    at.id = random_id();  // fresh per attempt: a late reply to an earlier one is ignored
    auto query = build_query(at.qname, type, at.id, options_.edns_udp_size);
    if (!query) return Answer{};  // ldns could not encode a name we validated: servfail
    at.query = std::move(*query);
    at.deadline = Clock::now() + options_.timeout;
    Outcome out = try_udp(server, at);
    if (out == Outcome::truncated) {
      at.deadline = Clock::now() + options_.timeout;
      out = try_tcp(servers_[server], at);
    }
    if (out != Outcome::done) continue;
    if (at.answer.status != Status::servfail) return at.answer;
    saw_servfail = true;
    // Another server may do better; asking the same one again rarely helps.
    if (servers_.size() == 1) break;
  }
  Answer a;
  a.status = saw_servfail ? Status::servfail : Status::timeout;
  return a;
}

}  // namespace cachet::dns
