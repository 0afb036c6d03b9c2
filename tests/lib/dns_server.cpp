// SPDX-License-Identifier: BSD-2-Clause
// tests/lib/dns_server.cpp: see dns_server.hpp.
#include "tests/lib/dns_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "common/dns/ldns_types.hpp"
#include "common/dns/name.hpp"

namespace cachet::testlib {
namespace {

using dns::LdnsPkt;
using dns::LdnsRr;
using dns::Record;
using dns::RrType;

constexpr int kBindAttempts = 50;
constexpr int kTcpIdleMs = 10000;            // a client that neither sends nor closes
constexpr std::size_t kPlainUdpLimit = 512;  // RFC 1035 s4.2.1

std::string quote_txt(const std::string& s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c > 0x7e) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

const char* type_name(RrType t) {
  switch (t) {
    case RrType::a: return "A";
    case RrType::ns: return "NS";
    case RrType::cname: return "CNAME";
    case RrType::soa: return "SOA";
    case RrType::ptr: return "PTR";
    case RrType::mx: return "MX";
    case RrType::txt: return "TXT";
    case RrType::aaaa: return "AAAA";
    case RrType::spf: return "SPF";
  }
  return "TYPE0";
}

LdnsRr rr_from_text(const std::string& text) {
  ldns_rr* raw = nullptr;
  const ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), 0, nullptr, nullptr);
  LdnsRr rr(raw);
  if (st != LDNS_STATUS_OK) rr.reset();
  return rr;
}

LdnsRr to_ldns(const Record& r) {
  std::string text = r.owner + ". " + std::to_string(r.ttl) + " IN " + type_name(r.type) + " ";
  switch (r.type) {
    case RrType::txt:
    case RrType::spf:
      for (const auto& s : r.txt_strings) text += quote_txt(s) + " ";
      break;
    case RrType::mx: text += std::to_string(r.preference) + " " + r.value + "."; break;
    case RrType::a:
    case RrType::aaaa: text += r.value; break;
    default: text += r.value + "."; break;
  }
  return rr_from_text(text);
}

// The SOA of a negative reply: owned by the last two labels of the name asked.
LdnsRr negative_soa(const std::string& qname, std::uint32_t minimum) {
  auto dot = qname.rfind('.');
  if (dot != std::string::npos && dot > 0) dot = qname.rfind('.', dot - 1);
  const std::string zone = dot == std::string::npos ? qname : qname.substr(dot + 1);
  return rr_from_text(zone + ". " + std::to_string(minimum) + " IN SOA ns.invalid. " +
                      "hostmaster.invalid. 1 3600 600 86400 " + std::to_string(minimum));
}

std::vector<std::uint8_t> to_wire(const ldns_pkt* pkt) {
  std::uint8_t* raw = nullptr;
  std::size_t size = 0;
  const ldns_status st = ldns_pkt2wire(&raw, pkt, &size);
  const dns::LdnsBytes bytes(raw);
  if (st != LDNS_STATUS_OK || !bytes) return {};
  return {bytes.get(), bytes.get() + size};
}

}  // namespace

std::vector<std::uint8_t> DnsServer::respond(std::span<const std::uint8_t> query, bool over_udp) const {
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, query.data(), query.size()) != LDNS_STATUS_OK) {
    ldns_pkt_free(raw);
    return {};
  }
  const LdnsPkt q(raw);
  if (ldns_pkt_qr(q.get()) || ldns_rr_list_rr_count(ldns_pkt_question(q.get())) != 1) return {};
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q.get()), 0);
  const ldns_rdf* owner = ldns_rr_owner(question);
  auto qname = dns::wire_name_to_text({ldns_rdf_data(owner), ldns_rdf_size(owner)});
  if (!qname) return {};
  const auto qtype = static_cast<RrType>(ldns_rr_get_type(question));
  auto lookup = zone_.lookup(*qname, qtype);
  if (lookup.fault == dns::Fault::timeout) return {};

  const LdnsPkt reply(ldns_pkt_new());
  ldns_pkt_set_id(reply.get(), ldns_pkt_id(q.get()));
  ldns_pkt_set_qr(reply.get(), true);
  ldns_pkt_set_rd(reply.get(), ldns_pkt_rd(q.get()));
  ldns_pkt_set_ra(reply.get(), true);
  // The reply owns what is pushed into it (ldns_pkt_push_rr takes the rr).
  ldns_pkt_push_rr(reply.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
  if (ldns_pkt_edns(q.get())) ldns_pkt_set_edns_udp_size(reply.get(), 4096);
  if (lookup.fault == dns::Fault::servfail || lookup.status == dns::Status::servfail) {
    ldns_pkt_set_rcode(reply.get(), LDNS_RCODE_SERVFAIL);
    return to_wire(reply.get());
  }
  ldns_pkt_set_aa(reply.get(), true);
  const std::size_t udp_limit =
      ldns_pkt_edns(q.get()) ? std::max<std::size_t>(kPlainUdpLimit, ldns_pkt_edns_udp_size(q.get())) : kPlainUdpLimit;
  if (over_udp && lookup.fault == dns::Fault::truncate) {
    ldns_pkt_set_tc(reply.get(), true);
    return to_wire(reply.get());
  }
  if (lookup.status == dns::Status::nxdomain) ldns_pkt_set_rcode(reply.get(), LDNS_RCODE_NXDOMAIN);
  for (const Record& r : lookup.answer_section)
    if (LdnsRr rr = to_ldns(r)) ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr.release());
  if (lookup.status == dns::Status::nxdomain || lookup.status == dns::Status::nodata)
    if (LdnsRr soa = negative_soa(*qname, lookup.negative_ttl))
      ldns_pkt_push_rr(reply.get(), LDNS_SECTION_AUTHORITY, soa.release());
  auto wire = to_wire(reply.get());
  if (over_udp && wire.size() > udp_limit) {  // RFC 2181 s9: TC, and records dropped
    const LdnsPkt small(ldns_pkt_new());
    ldns_pkt_set_id(small.get(), ldns_pkt_id(q.get()));
    ldns_pkt_set_qr(small.get(), true);
    ldns_pkt_set_tc(small.get(), true);
    ldns_pkt_push_rr(small.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    return to_wire(small.get());
  }
  return wire;
}

Result<void> DnsServer::start(std::string_view address) {
  if (thread_.joinable()) return fail(Errc::internal, "DnsServer already started");
  address_ = std::string(address);
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address_.c_str(), &sin->sin_addr) == 1) {
    sin->sin_family = AF_INET;
    len = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address_.c_str(), &sin6->sin6_addr) == 1) {
    sin6->sin6_family = AF_INET6;
    len = sizeof(sockaddr_in6);
  } else {
    return fail(Errc::config, "DnsServer: bad address " + address_);
  }
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  for (int i = 0; i < kBindAttempts && !tcp_.valid(); ++i) {
    sin->sin_port = 0;  // same offset in sockaddr_in6 (sin6_port)
    udp_.reset(::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!udp_.valid() || ::bind(udp_.get(), sa, len) != 0 || ::getsockname(udp_.get(), sa, &len) != 0)
      return fail(Errc::temporary, std::string("DnsServer: udp bind: ") + std::strerror(errno));
    tcp_.reset(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    const int one = 1;
    ::setsockopt(tcp_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(tcp_.get(), sa, len) != 0 || ::listen(tcp_.get(), 16) != 0) tcp_.reset();
  }
  if (!tcp_.valid()) return fail(Errc::temporary, "DnsServer: no free UDP+TCP port");
  port_ = ntohs(sin->sin_port);
  wake_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_.valid()) return fail(Errc::temporary, "DnsServer: eventfd failed");
  thread_ = std::thread([this] { run(); });
  return {};
}

void DnsServer::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_.get(), &one, sizeof one);
  thread_.join();
  delayed_.clear();
  udp_.reset();
  tcp_.reset();
  wake_.reset();
}

std::string DnsServer::nameserver() const {
  const bool v6 = address_.find(':') != std::string::npos;
  return (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_);
}

void DnsServer::run() {
  for (;;) {
    std::array<pollfd, 3> fds{{{wake_.get(), POLLIN, 0}, {udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}}};
    timespec wait{};
    const timespec* timeout = next_due(wait);
    if (::ppoll(fds.data(), fds.size(), timeout, nullptr) < 0 && errno != EINTR) return;
    if (fds[0].revents != 0) return;
    if (fds[1].revents != 0) serve_udp();
    if (fds[2].revents != 0) serve_tcp();
    send_due();
  }
}

// How long until the first delayed reply is due, in `wait` (ppoll's precision: a
// millisecond poll would add up to 1 ms to each delay); null: none waiting.
const timespec* DnsServer::next_due(timespec& wait) const {
  if (delayed_.empty()) return nullptr;
  const auto left = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(delayed_.front().due - std::chrono::steady_clock::now())
          .count(),
      0);
  wait.tv_sec = static_cast<time_t>(left / 1'000'000'000);
  wait.tv_nsec = static_cast<long>(left % 1'000'000'000);
  return &wait;
}

void DnsServer::send_due() {
  const auto now = std::chrono::steady_clock::now();
  while (!delayed_.empty() && delayed_.front().due <= now) {
    const Delayed& d = delayed_.front();
    ::sendto(udp_.get(), d.reply.data(), d.reply.size(), 0, reinterpret_cast<const sockaddr*>(&d.to), d.to_len);
    delayed_.pop_front();
  }
}

void DnsServer::serve_udp() {
  std::array<std::uint8_t, 65535> buf;
  sockaddr_storage from{};
  socklen_t len = sizeof from;
  const ssize_t n = ::recvfrom(udp_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n <= 0) return;
  udp_queries_.fetch_add(1);
  auto reply = respond({buf.data(), static_cast<std::size_t>(n)}, true);
  if (reply.empty()) return;
  if (stray_.load()) {  // the same reply under another ID first
    std::vector<std::uint8_t> stray = reply;
    stray[0] ^= 0x5a;
    ::sendto(udp_.get(), stray.data(), stray.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
  }
  const std::chrono::microseconds delay(delay_us_.load());
  if (delay.count() > 0) {
    delayed_.push_back(Delayed{std::chrono::steady_clock::now() + delay, std::move(reply), from, len});
    return;
  }
  ::sendto(udp_.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
}

bool DnsServer::wait_readable(int fd) const {
  std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
  return ::poll(fds.data(), fds.size(), kTcpIdleMs) > 0 && fds[1].revents == 0;
}

// Serves one connection to its end (tests send one query per connection).
void DnsServer::serve_tcp() {
  const Fd conn(::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!conn.valid()) return;
  auto read_exact = [&](std::uint8_t* p, std::size_t size) {
    while (size > 0) {
      if (!wait_readable(conn.get())) return false;
      const ssize_t n = ::recv(conn.get(), p, size, 0);
      if (n <= 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  for (;;) {
    std::array<std::uint8_t, 2> head{};
    if (!read_exact(head.data(), 2)) return;
    std::vector<std::uint8_t> msg(static_cast<std::size_t>(head[0] << 8 | head[1]));
    if (!read_exact(msg.data(), msg.size())) return;
    tcp_queries_.fetch_add(1);
    const auto reply = respond(msg, false);
    if (reply.empty()) continue;  // timeout fault: leave the client waiting
    std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(reply.size() >> 8),
                                     static_cast<std::uint8_t>(reply.size() & 0xff)};
    framed.insert(framed.end(), reply.begin(), reply.end());
    if (::send(conn.get(), framed.data(), framed.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(framed.size())) return;
  }
}

}  // namespace cachet::testlib
