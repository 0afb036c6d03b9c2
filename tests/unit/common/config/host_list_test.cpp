// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/config/host_list_test.cpp: opendkim host lists (InternalHosts, PeerList).
#include "common/config/host_list.hpp"

#include <gtest/gtest.h>

namespace {

using cachet::config::parse_host_list;

struct HostCase {
  const char* name;
  std::vector<std::string> items;
  const char* address;
  const char* hostname;
  bool want;
};
class HostListRows : public ::testing::TestWithParam<HostCase> {};
TEST_P(HostListRows, Matches) {
  const HostCase& c = GetParam();
  auto hl = parse_host_list(c.items);
  ASSERT_TRUE(hl) << c.name;
  EXPECT_EQ(hl->matches(c.address, c.hostname), c.want) << c.name;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, HostListRows,
    ::testing::Values(HostCase{"default v4", {"127.0.0.1", "::1"}, "127.0.0.1", "", true},
                      HostCase{"default v6", {"127.0.0.1", "::1"}, "::1", "", true},
                      HostCase{"other address", {"127.0.0.1", "::1"}, "127.0.0.2", "", false},
                      HostCase{"cidr v4", {"192.0.2.0/24"}, "192.0.2.77", "", true},
                      HostCase{"cidr v4 outside", {"192.0.2.0/24"}, "192.0.3.1", "", false},
                      HostCase{"cidr v6 bracketed", {"[2001:db8::]/32"}, "2001:db8:1::5", "", true},
                      HostCase{"v4 rule vs v6 client", {"0.0.0.0/0"}, "2001:db8::1", "", false},
                      HostCase{"negation excludes", {"192.0.2.0/24", "!192.0.2.9"}, "192.0.2.9", "", false},
                      HostCase{"host name", {"mx.example.com"}, "", "MX.example.com", true},
                      HostCase{"domain suffix", {".example.com"}, "", "a.b.example.com", true},
                      HostCase{"suffix is not the domain", {".example.com"}, "", "example.com", false},
                      HostCase{"unknown name in brackets", {"[192.0.2.1]"}, "", "[192.0.2.1]", false},
                      HostCase{"empty list", {}, "127.0.0.1", "", false}));

TEST(HostList, RejectsBadItems) {
  EXPECT_FALSE(parse_host_list({"192.0.2.0/33"}));
  EXPECT_FALSE(parse_host_list({"::/129"}));
  EXPECT_FALSE(parse_host_list({"!"}));
  EXPECT_FALSE(parse_host_list({"host/24"}));
  EXPECT_FALSE(parse_host_list({"."}));
}

}  // namespace
