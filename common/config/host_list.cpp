// SPDX-License-Identifier: BSD-2-Clause
// common/config/host_list.cpp: see host_list.hpp.
#include "common/config/host_list.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "common/base/strings.hpp"

namespace cachet::config {
namespace {

// Parses an IPv4 or IPv6 literal into the mapped 16-byte form; returns the bit offset
// (96 for IPv4, 0 for IPv6) or -1.
int parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  const std::string s(text);
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out = {};
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return 96;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return 0;
  }
  return -1;
}

bool prefix_equal(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int bits) {
  int i = 0;
  for (; bits >= 8; bits -= 8, ++i)
    if (a[i] != b[i]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (a[i] & mask) == (b[i] & mask);
}

}  // namespace

bool HostList::matches(std::string_view address, std::string_view hostname) const {
  std::array<std::uint8_t, 16> ip{};
  const bool has_ip = !address.empty() && parse_ip(address, ip) >= 0;
  const bool has_name = !hostname.empty() && hostname.front() != '[';
  const std::string name = has_name ? to_lower(hostname) : std::string();
  bool positive = false;
  for (const Item& it : items_) {
    bool hit = false;
    switch (it.kind) {
      case Item::Kind::network: hit = has_ip && prefix_equal(ip, it.addr, it.prefix); break;
      case Item::Kind::name: hit = has_name && name == it.name; break;
      case Item::Kind::suffix:
        hit = has_name && name.size() > it.name.size() &&
              name.compare(name.size() - it.name.size(), it.name.size(), it.name) == 0 &&
              name[name.size() - it.name.size() - 1] == '.';
        break;
    }
    if (!hit) continue;
    if (it.is_negated) return false;
    positive = true;
  }
  return positive;
}

Result<HostList> parse_host_list(const std::vector<std::string>& items) {
  std::vector<HostList::Item> out;
  for (const std::string& raw : items) {
    std::string_view text = trim(raw);
    HostList::Item it;
    if (!text.empty() && text.front() == '!') {
      it.is_negated = true;
      text = trim(text.substr(1));
    }
    if (text.empty()) return fail(Errc::config, "empty host list item");
    const auto slash = text.find('/');
    const int offset = parse_ip(text.substr(0, slash), it.addr);
    if (offset >= 0) {
      it.kind = HostList::Item::Kind::network;
      it.prefix = 128;
      if (slash != std::string_view::npos) {
        const auto bits = parse_uint(text.substr(slash + 1));
        if (!bits || *bits > static_cast<unsigned>(128 - offset))
          return fail(Errc::config, "bad prefix length in '" + std::string(text) + "'");
        it.prefix = offset + static_cast<int>(*bits);
      }
    } else if (slash != std::string_view::npos) {
      return fail(Errc::config, "bad network '" + std::string(text) + "'");
    } else if (text.front() == '.') {
      if (text.size() < 2) return fail(Errc::config, "bad domain item '.'");
      it.kind = HostList::Item::Kind::suffix;
      it.name = to_lower(text.substr(1));
    } else {
      it.kind = HostList::Item::Kind::name;
      it.name = to_lower(text);
    }
    out.push_back(std::move(it));
  }
  return HostList(std::move(out));
}

}  // namespace cachet::config
