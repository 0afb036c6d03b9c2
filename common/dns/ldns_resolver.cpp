// SPDX-License-Identifier: BSD-2-Clause
// common/dns/ldns_resolver.cpp: see ldns_resolver.hpp.
#include "common/dns/ldns_resolver.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include "common/base/random.hpp"
#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

namespace cachet::dns {
namespace {

using Clock = std::chrono::steady_clock;

// More idle sockets than queries in flight at once are never needed; a bound all the same.
constexpr std::size_t kMaxIdleSockets = 64;
// Questions of one query_many() in flight at once (a socket each): an SPF record can lead
// to 100 names in one batch (10 mx terms x 10 hosts); the rest wait for a free slot.
constexpr std::size_t kMaxInFlight = 32;
// Batches up to this size keep their poll set and IDs on the stack.
constexpr std::size_t kSmallBatch = 8;

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

// One question on its way: its attempts, the socket of the current one, its outcome.
struct LdnsResolver::Flight {
  std::string normalized;  // set only when the caller's name needed normalizing
  std::string_view qname;  // normalized: `normalized` or the caller's string
  RrType qtype = RrType::a;
  WireNameBuffer qwire;  // qname encoded once: every attempt's query and every reply check use it
  std::size_t qwire_size = 0;
  unsigned attempts = 0;  // started so far
  std::size_t server = 0;
  std::uint16_t id = 0;
  std::optional<std::uint16_t> first_id;  // drawn with the batch's others (one getrandom)
  QueryBuffer query;
  std::size_t query_size = 0;
  Clock::time_point deadline;
  Fd fd;                   // valid while a UDP attempt waits for its reply on its own socket
  bool is_shared = false;  // the attempt waits on the batch's shared socket instead
  bool saw_servfail = false;
  bool is_done = false;
  Answer answer;
  Clock::time_point finished;
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
    // From the back, the last one kept; the last element fills its place (no shifting).
    for (std::size_t i = idle->size(); i-- > 0;) {
      if ((*idle)[i].server != server) continue;
      Fd fd = std::move((*idle)[i].fd);
      if (i + 1 != idle->size()) (*idle)[i] = std::move(idle->back());
      idle->pop_back();
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

LdnsResolver::Outcome LdnsResolver::try_tcp(const Nameserver& ns, Flight& at) {
  const Fd fd = open_connected(ns, SOCK_STREAM);
  if (!fd.valid() || !wait_fd(fd.get(), POLLOUT, at.deadline)) return Outcome::failed;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) return Outcome::failed;
  // RFC 1035 s4.2.2: each message is preceded by its length as two octets.
  std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(at.query_size >> 8),
                                   static_cast<std::uint8_t>(at.query_size & 0xff)};
  framed.insert(framed.end(), at.query.begin(), at.query.begin() + static_cast<std::ptrdiff_t>(at.query_size));
  if (!write_all(fd.get(), framed.data(), framed.size(), at.deadline)) return Outcome::failed;
  tcp_sent_.fetch_add(1, std::memory_order_relaxed);
  std::array<std::uint8_t, 2> head{};
  if (!read_exact(fd.get(), head.data(), head.size(), at.deadline)) return Outcome::no_reply;
  std::vector<std::uint8_t> body(static_cast<std::size_t>(head[0] << 8 | head[1]));
  if (!read_exact(fd.get(), body.data(), body.size(), at.deadline)) return Outcome::no_reply;
  auto reply = decode_reply(body, at.id, at.qname, {at.qwire.data(), at.qwire_size}, at.qtype);
  if (reply.kind != ReplyKind::usable) return Outcome::failed;  // TC or junk over TCP
  at.answer = std::move(reply.answer);
  return Outcome::done;
}

// Sets up f for (name, type); false (nothing to send) for a name that is not a DNS name.
// f must not move afterwards (qname may point into it).
bool LdnsResolver::prepare(Flight& f, std::string_view name, RrType type) {
  f.qtype = type;
  bool is_normalized = false;
  const auto size = query_name_to_wire(name, f.qwire, is_normalized);
  if (!size) {
    f.answer = invalid_name_answer();
    f.is_done = true;
    return false;
  }
  f.qwire_size = *size;
  if (is_normalized) {  // the cache layer hands over normalized names: no copy
    f.qname = name;
    return true;
  }
  f.normalized = normalize_query_name(name).value();  // cannot fail: it was just encoded
  f.qname = f.normalized;
  return true;
}

Answer LdnsResolver::query(std::string_view name, RrType type) {
  Flight f;
  prepare(f, name, type);
  answer_all({&f, 1});
  return std::move(f.answer);
}

std::vector<Answer> LdnsResolver::query_many(std::span<const Question> questions) {
  // A small batch's flights (a DMARC message's lookups) on the stack: at ~700 bytes each,
  // a vector of them was too large for malloc's per-thread cache, and its malloc and free
  // cost more than the rest of the batch's bookkeeping (callgrind, dmarc-cold-spf-self).
  if (questions.size() <= kSmallBatch) {
    std::array<Flight, kSmallBatch> few;
    return ask(questions, {few.data(), questions.size()});
  }
  std::vector<Flight> many(questions.size());
  return ask(questions, many);
}

// flights: one per question, fresh; they never move while asked.
std::vector<Answer> LdnsResolver::ask(std::span<const Question> questions, std::span<Flight> flights) {
  for (std::size_t i = 0; i < questions.size(); ++i) prepare(flights[i], questions[i].name, questions[i].type);
  answer_all(flights);
  std::vector<Answer> out;
  out.reserve(flights.size());
  for (Flight& f : flights) out.push_back(std::move(f.answer));
  return out;
}

// Runs every flight to its outcome and tells the observer about each.
void LdnsResolver::answer_all(std::span<Flight> flights) {
  const QueryObserver* observer = observer_.load();
  const auto begun = Clock::now();
  fly(flights);
  if (observer == nullptr) return;
  for (const Flight& f : flights)  // an invalid name was done before anything began: 0
    observer->on_query(f.answer.status, std::max(f.finished, begun) - begun);
}

// The next attempt's server, ID (fresh per attempt: a late reply to an earlier one is
// ignored), query and deadline.
void LdnsResolver::begin_attempt(Flight& f) {
  f.server = f.attempts++ % servers_.size();
  f.id = f.first_id ? *std::exchange(f.first_id, std::nullopt) : random_id();
  f.query_size = write_query({f.qwire.data(), f.qwire_size}, f.qtype, f.id, options_.edns_udp_size, f.query);
  f.deadline = Clock::now() + options_.timeout;
}

// Sends the flight's next attempt, to the next nameserver in turn; when none is left, the
// flight ends as servfail (a server said so) or timeout. A socket or send failure moves
// on to the next attempt at once.
void LdnsResolver::start(Flight& f) {
  while (!f.is_done) {
    if (f.attempts > options_.retries) {
      f.answer = Answer{};
      f.answer.status = f.saw_servfail ? Status::servfail : Status::timeout;
      f.is_done = true;
      break;
    }
    begin_attempt(f);
    f.fd = take_udp(f.server);
    if (!f.fd.valid()) continue;
    if (::send(f.fd.get(), f.query.data(), f.query_size, 0) == static_cast<ssize_t>(f.query_size)) {
      udp_sent_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    f.fd.reset();
  }
  f.fd.reset();
  f.finished = Clock::now();
}

// A usable reply arrived in f.answer: done, unless it is a SERVFAIL another server may do
// better on (asking the same one again rarely helps).
void LdnsResolver::settle(Flight& f) {
  if (f.answer.status == Status::servfail) {
    f.saw_servfail = true;
    if (servers_.size() == 1) f.attempts = options_.retries + 1;  // the last word: servfail
    start(f);
    return;
  }
  f.is_done = true;
  f.finished = Clock::now();
}

// A reply to f's attempt: TC -> the same question over TCP to the same server, with a
// fresh timeout; otherwise the answer (its own socket kept for the next query).
void LdnsResolver::on_reply(Flight& f, DecodedReply reply) {
  if (reply.kind == ReplyKind::truncated) {
    f.fd.reset();
    f.deadline = Clock::now() + options_.timeout;
    if (try_tcp(servers_[f.server], f) == Outcome::done)
      settle(f);
    else
      start(f);
    return;
  }
  f.answer = std::move(reply.answer);
  if (f.fd.valid()) keep_udp(f.server, std::move(f.fd));
  settle(f);
}

// Reads what f's socket holds: replies with another ID or question are ignored (stray or
// spoofed).
void LdnsResolver::on_readable(Flight& f, std::span<std::uint8_t> buf) {
  for (;;) {
    const ssize_t n = ::recv(f.fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;  // nothing more yet
      f.fd.reset();                 // ECONNREFUSED: ICMP port unreachable
      start(f);
      return;
    }
    auto reply =
        decode_reply({buf.data(), static_cast<std::size_t>(n)}, f.id, f.qname, {f.qwire.data(), f.qwire_size}, f.qtype);
    if (reply.kind == ReplyKind::mismatch) continue;
    on_reply(f, std::move(reply));
    return;
  }
}

// A small batch's first attempts to a loopback nameserver: one socket, one sendmmsg(2).
// When a send fails every question moves on to its next attempt at once, as in start().
// False (nothing started) without a socket.
bool LdnsResolver::start_shared(std::span<Flight> flights, Shared& shared) {
  shared.fd = take_udp(0);
  if (!shared.fd.valid()) return false;
  std::array<mmsghdr, kSmallBatch> msgs{};
  std::array<iovec, kSmallBatch> iov{};
  std::array<Flight*, kSmallBatch> sent{};
  std::size_t n = 0;
  for (Flight& f : flights) {
    if (f.is_done) continue;
    begin_attempt(f);  // attempts is 0: server 0
    f.is_shared = true;
    iov[n] = iovec{f.query.data(), f.query_size};
    msgs[n].msg_hdr.msg_iov = &iov[n];
    msgs[n].msg_hdr.msg_iovlen = 1;
    sent[n++] = &f;
  }
  int k = 0;
  do {
    k = ::sendmmsg(shared.fd.get(), msgs.data(), static_cast<unsigned>(n), 0);
  } while (k < 0 && errno == EINTR);
  if (k == static_cast<int>(n)) {
    udp_sent_.fetch_add(n, std::memory_order_relaxed);
    shared.waiting = n;
    return true;
  }
  // A send failed (ICMP refused can show at the next datagram, the error then consumed):
  // no reply is awaited here, every question moves on.
  udp_sent_.fetch_add(k > 0 ? static_cast<std::size_t>(k) : 0, std::memory_order_relaxed);
  shared.fd.reset();
  for (std::size_t i = 0; i < n; ++i) {
    sent[i]->is_shared = false;
    start(*sent[i]);
  }
  return true;
}

// f no longer waits on the shared socket; one that gave up on it leaves it unkept (a late
// reply must never meet another query).
void LdnsResolver::leave_shared(Flight& f, Shared& shared, bool is_answered) {
  f.is_shared = false;
  --shared.waiting;
  if (!is_answered) shared.is_spoiled = true;
}

// Drains the shared socket (recvmmsg(2), without waiting) and gives each reply to the
// flight whose ID and question it matches; a datagram cut short by our buffer is treated
// as truncated (asked again over TCP). An error (ICMP refused) moves every flight waiting
// on it to its next attempt.
void LdnsResolver::on_shared_readable(std::span<Flight> flights, Shared& shared, std::span<std::uint8_t> buf) {
  // buf in slices, one a datagram: no more stack to touch (a 32 KiB array of its own was a
  // cold stack frame, 0.1% of cachet-dmarc's CPU in perf).
  const std::size_t slice = buf.size() / kSmallBatch;
  std::array<iovec, kSmallBatch> iov{};
  std::array<mmsghdr, kSmallBatch> msgs{};
  for (;;) {
    for (std::size_t i = 0; i < kSmallBatch; ++i) {
      iov[i] = iovec{buf.data() + i * slice, slice};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int k = ::recvmmsg(shared.fd.get(), msgs.data(), kSmallBatch, MSG_DONTWAIT, nullptr);
    if (k < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      shared.fd.reset();
      for (Flight& f : flights) {
        if (!f.is_shared) continue;
        leave_shared(f, shared, false);
        start(f);
      }
      return;
    }
    for (std::size_t j = 0; j < static_cast<std::size_t>(k); ++j) {
      const std::span<const std::uint8_t> wire{buf.data() + j * slice, msgs[j].msg_len};
      for (Flight& f : flights) {
        if (!f.is_shared) continue;
        auto reply = decode_reply(wire, f.id, f.qname, {f.qwire.data(), f.qwire_size}, f.qtype);
        if (reply.kind == ReplyKind::mismatch) continue;
        if ((msgs[j].msg_hdr.msg_flags & MSG_TRUNC) != 0) reply.kind = ReplyKind::truncated;
        leave_shared(f, shared, true);
        on_reply(f, std::move(reply));
        break;
      }
    }
    if (static_cast<std::size_t>(k) < kSmallBatch) return;
  }
}

// Every flight's first attempt goes out (a small batch to a loopback nameserver: on one
// shared socket; otherwise at most kMaxInFlight at a time, the others start as those end),
// then one poll loop serves them all: a readable socket is read, a passed deadline starts
// the flight's next attempt (its socket closed: a late reply must never meet another query).
void LdnsResolver::fly(std::span<Flight> flights) {
  std::size_t waiting = 0;  // flights[waiting..] have not started
  // A batch of up to kSmallBatch (a DMARC message's lookups) needs no vectors here.
  std::array<std::uint16_t, kSmallBatch> few_ids;  // NOLINT(cppcoreguidelines-pro-type-member-init): filled
  std::vector<std::uint16_t> many_ids(flights.size() > kSmallBatch ? flights.size() : 0);
  if (flights.size() > 1) {  // every first attempt's ID from one system call
    const std::span<std::uint16_t> ids = flights.size() > kSmallBatch
                                             ? std::span<std::uint16_t>(many_ids)
                                             : std::span<std::uint16_t>(few_ids.data(), flights.size());
    random_fill(ids.data(), ids.size_bytes());
    for (std::size_t i = 0; i < flights.size(); ++i) flights[i].first_id = ids[i];
  }
  auto is_flying = [&](std::size_t i) { return i < waiting && !flights[i].is_done; };
  auto start_more = [&] {
    std::size_t in_flight = 0;
    for (std::size_t i = 0; i < waiting; ++i) in_flight += is_flying(i) ? 1 : 0;
    for (; waiting < flights.size() && in_flight < kMaxInFlight; ++waiting) {
      Flight& f = flights[waiting];
      if (f.is_done) continue;
      start(f);
      if (!f.is_done) ++in_flight;
    }
    return in_flight;
  };
  Shared shared;
  if (flights.size() > 1 && flights.size() <= kSmallBatch && is_loopback_[0]) {
    if (start_shared(flights, shared)) waiting = flights.size();
  }
  // The last pollfd is the shared socket's.
  std::array<pollfd, kSmallBatch + 1> few{};
  std::vector<pollfd> many(flights.size() > kSmallBatch ? flights.size() + 1 : 0);
  const std::span<pollfd> fds =
      flights.size() > kSmallBatch ? std::span<pollfd>(many) : std::span<pollfd>(few.data(), flights.size() + 1);
  std::array<std::uint8_t, kMaxMessageSize> buf;
  while (start_more() > 0) {
    auto next = Clock::time_point::max();
    for (std::size_t i = 0; i < flights.size(); ++i) {
      const Flight& f = flights[i];
      fds[i] = pollfd{is_flying(i) && !f.is_shared ? f.fd.get() : -1, POLLIN, 0};  // poll(2) skips fd -1
      if (is_flying(i)) next = std::min(next, f.deadline);
    }
    fds.back() = pollfd{shared.waiting > 0 ? shared.fd.get() : -1, POLLIN, 0};
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(left, 0)));
    if (n < 0 && errno != EINTR) {
      for (Flight& f : flights) f.deadline = Clock::time_point::min();  // no way to wait: attempts fail
    }
    if (n > 0 && fds.back().revents != 0) on_shared_readable(flights, shared, buf);
    const auto now = Clock::now();
    for (std::size_t i = 0; i < waiting; ++i) {
      Flight& f = flights[i];
      if (f.is_done) continue;
      if (n > 0 && fds[i].revents != 0 && f.fd.valid()) {
        on_readable(f, buf);
      } else if (f.deadline <= now) {
        if (f.is_shared) leave_shared(f, shared, false);
        f.fd.reset();
        start(f);
      }
    }
  }
  // Kept only when every query sent on it had its reply: nothing can be pending on it.
  if (shared.fd.valid() && shared.waiting == 0 && !shared.is_spoiled) keep_udp(0, std::move(shared.fd));
}

}  // namespace cachet::dns
