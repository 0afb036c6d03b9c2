// SPDX-License-Identifier: BSD-2-Clause
// common/dns/nameserver.cpp: see nameserver.hpp.
#include "common/dns/nameserver.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

#include "common/base/strings.hpp"

namespace cachet::dns {
namespace {

Result<std::uint16_t> parse_port(std::string_view s, std::string_view spec) {
  const auto port = parse_uint(s);
  if (!port || *port == 0 || *port > 65535)
    return fail(Errc::config, "bad port in nameserver '" + std::string(spec) + "'");
  return static_cast<std::uint16_t>(*port);
}

// host: an address literal of `family`; spec: what the operator wrote, for errors.
Result<Nameserver> make_addr(int family, std::string_view host, std::uint16_t port, std::string_view spec) {
  Nameserver ns;
  const std::string h(host);
  void* bin = nullptr;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ns.addr);
    sin->sin_port = htons(port);
    bin = &sin->sin_addr;
    ns.addr_len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ns.addr);
    sin6->sin6_port = htons(port);
    bin = &sin6->sin6_addr;
    ns.addr_len = sizeof(sockaddr_in6);
  }
  if (::inet_pton(family, h.c_str(), bin) != 1)
    return fail(Errc::config, "bad nameserver address '" + std::string(spec) + "'");
  ns.addr.ss_family = static_cast<sa_family_t>(family);
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bin, buf, sizeof buf);
  const std::string port_text = ":" + std::to_string(port);
  ns.text = family == AF_INET ? buf + port_text : "[" + std::string(buf) + "]" + port_text;
  return ns;
}

Result<Nameserver> make_v4(std::string_view host, std::uint16_t port, std::string_view spec) {
  return make_addr(AF_INET, host, port, spec);
}

Result<Nameserver> make_v6(std::string_view host, std::uint16_t port, std::string_view spec) {
  return make_addr(AF_INET6, host, port, spec);
}

}  // namespace

Result<Nameserver> parse_nameserver(std::string_view spec) {
  const std::string_view s = trim(spec);
  if (s.empty()) return fail(Errc::config, "empty nameserver");
  // inet_pton() reads a C string: an embedded NUL would hide what follows it.
  if (s.find('\0') != std::string_view::npos) return fail(Errc::config, "NUL byte in nameserver");
  if (s.front() == '[') {  // [v6] or [v6]:port
    const auto close = s.find(']');
    if (close == std::string_view::npos)
      return fail(Errc::config, "unclosed '[' in nameserver '" + std::string(spec) + "'");
    const std::string_view rest = s.substr(close + 1);
    std::uint16_t port = kDnsPort;
    if (!rest.empty()) {
      if (rest.front() != ':') return fail(Errc::config, "junk after ']' in nameserver '" + std::string(spec) + "'");
      auto p = parse_port(rest.substr(1), spec);
      if (!p) return Unexpected<Error>(std::move(p).error());
      port = *p;
    }
    return make_v6(s.substr(1, close - 1), port, spec);
  }
  const auto colons = std::count(s.begin(), s.end(), ':');
  if (colons > 1) return make_v6(s, kDnsPort, spec);  // bare IPv6
  if (colons == 1) {
    const auto colon = s.find(':');
    auto p = parse_port(s.substr(colon + 1), spec);
    if (!p) return Unexpected<Error>(std::move(p).error());
    return make_v4(s.substr(0, colon), *p, spec);
  }
  return make_v4(s, kDnsPort, spec);
}

Result<std::vector<Nameserver>> parse_nameservers(const std::vector<std::string>& specs) {
  if (specs.size() > kMaxNameservers)
    return fail(Errc::config, "more than " + std::to_string(kMaxNameservers) + " nameservers");
  std::vector<Nameserver> out;
  for (const auto& spec : specs) {
    auto ns = parse_nameserver(spec);
    if (!ns) return Unexpected<Error>(std::move(ns).error());
    out.push_back(std::move(*ns));
  }
  return out;
}

std::vector<Nameserver> parse_resolv_conf(std::string_view text) {
  std::vector<Nameserver> out;
  for (std::string_view line : split(text, '\n')) {
    line = trim(line);
    if (!istarts_with(line, "nameserver") || line.size() <= 10) continue;
    if (line[10] != ' ' && line[10] != '\t') continue;
    std::string_view addr = trim(line.substr(11));
    addr = addr.substr(0, addr.find_first_of(" \t#;"));
    // resolv.conf holds bare addresses only (no port): a ':' means IPv6.
    auto ns = addr.find(':') != std::string_view::npos ? make_v6(addr, kDnsPort, addr) : make_v4(addr, kDnsPort, addr);
    if (ns && out.size() < kMaxNameservers) out.push_back(std::move(*ns));
  }
  return out;
}

Result<std::vector<Nameserver>> read_resolv_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::config, "cannot read " + path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto list = parse_resolv_conf(text);
  if (list.empty()) return fail(Errc::config, "no nameserver in " + path);
  return list;
}

}  // namespace cachet::dns
