// SPDX-License-Identifier: BSD-2-Clause
//
// common/config/host_list.hpp: opendkim/opendmarc host lists (InternalHosts, PeerList,
// ExternalIgnoreList, IgnoreHosts): each item is an IPv4/IPv6 address, a CIDR network
// (`192.0.2.0/24`, `2001:db8::/32`, brackets allowed around IPv6), a host name, or
// `.domain` (any host name under it); a leading `!` negates. A client matches when some
// positive item matches its address or name and no negated item does (opendkim's
// semantics: a negation excludes).
// parse_host_list is pure; HostList is immutable and thread-safe.
// See also: dataset.hpp, tests/unit/common/config/host_list_test.cpp
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::config {

class HostList {
 public:
  struct Item {
    bool is_negated = false;
    enum class Kind { network, name, suffix } kind = Kind::name;
    std::array<std::uint8_t, 16> addr{};  // network: IPv4 mapped to ::ffff:a.b.c.d
    int prefix = 128;                     // network: bits compared (IPv4: +96)
    std::string name;                     // lower case; suffix without the dot
  };

  HostList() = default;
  explicit HostList(std::vector<Item> items) : items_(std::move(items)) {}

  // address: textual IP (may be empty or unparsable: then only names match);
  // hostname: the client's name as the MTA reported it ("[ip]" counts as no name).
  bool matches(std::string_view address, std::string_view hostname) const;
  bool empty() const noexcept { return items_.empty(); }

 private:
  std::vector<Item> items_;
};

// Errors (Errc::config): an empty item, a bad address or prefix length (naming the item).
[[nodiscard]] Result<HostList> parse_host_list(const std::vector<std::string>& items);

}  // namespace cachet::config
