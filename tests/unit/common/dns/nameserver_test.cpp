// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/nameserver_test.cpp: nameserver specs and resolv.conf parsing.
#include "common/dns/nameserver.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::dns {
namespace {

struct SpecCase {
  std::string name, input;
  bool want_ok;
  std::string want_text;
  int want_family;
};

class ParseNameserver : public ::testing::TestWithParam<SpecCase> {};

TEST_P(ParseNameserver, AcceptsAddressesAndPorts) {
  const SpecCase& c = GetParam();
  const auto got = parse_nameserver(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'";
  if (!c.want_ok) {
    EXPECT_EQ(got.error().code, Errc::config);
    return;
  }
  EXPECT_EQ(got->text, c.want_text) << c.name;
  EXPECT_EQ(got->family(), c.want_family) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Specs, ParseNameserver,
    ::testing::Values(
        SpecCase{"ipv4", "127.0.0.1", true, "127.0.0.1:53", AF_INET},
        SpecCase{"ipv4 with port", "127.0.0.1:5353", true, "127.0.0.1:5353", AF_INET},
        SpecCase{"spaces trimmed", "  127.0.0.1:5353 ", true, "127.0.0.1:5353", AF_INET},
        SpecCase{"bracketed ipv6 with port", "[::1]:53", true, "[::1]:53", AF_INET6},
        SpecCase{"bracketed ipv6", "[::1]", true, "[::1]:53", AF_INET6},
        SpecCase{"bare ipv6", "2001:DB8::1", true, "[2001:db8::1]:53", AF_INET6},
        SpecCase{"port at max", "127.0.0.1:65535", true, "127.0.0.1:65535", AF_INET},
        SpecCase{"empty", "", false, "", 0}, SpecCase{"host name", "localhost", false, "", 0},
        SpecCase{"host name with port", "dns.example:53", false, "", 0},
        SpecCase{"port zero", "127.0.0.1:0", false, "", 0}, SpecCase{"port over max", "127.0.0.1:65536", false, "", 0},
        SpecCase{"empty port", "127.0.0.1:", false, "", 0}, SpecCase{"signed port", "127.0.0.1:+53", false, "", 0},
        SpecCase{"unclosed bracket", "[::1:53", false, "", 0}, SpecCase{"junk after bracket", "[::1]x53", false, "", 0},
        SpecCase{"ipv4 in brackets", "[127.0.0.1]:53", false, "", 0}, SpecCase{"short ipv4", "127.1", false, "", 0},
        SpecCase{"NUL byte", std::string("127.0.0.1\0", 10), false, "", 0},
        SpecCase{"scoped ipv6", "fe80::1%eth0", false, "", 0}));

TEST(ParseNameservers, FailsOnFirstBadEntry) {
  EXPECT_TRUE(parse_nameservers({"127.0.0.1", "[::1]:5353"}).has_value());
  const auto got = parse_nameservers({"127.0.0.1", "bogus"});
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("bogus"), std::string::npos);
}

TEST(ParseNameservers, LimitsTheCount) {
  EXPECT_TRUE(parse_nameservers(std::vector<std::string>(kMaxNameservers, "127.0.0.1")).has_value());
  EXPECT_FALSE(parse_nameservers(std::vector<std::string>(kMaxNameservers + 1, "127.0.0.1")).has_value());
}

TEST(ParseResolvConf, KeepsNameserverLinesInOrder) {
  const auto got = parse_resolv_conf(
      "# comment\nsearch example.org\nnameserver 127.0.0.53\n"
      "nameserver\t::1  # trailing\noptions edns0\nnameserver bogus\nnameservers 10.0.0.1\n");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "127.0.0.53:53");
  EXPECT_EQ(got[1].text, "[::1]:53");
}

TEST(ParseResolvConf, EmptyTextHasNone) {
  EXPECT_TRUE(parse_resolv_conf("").empty());
  EXPECT_FALSE(read_resolv_conf("/nonexistent/resolv.conf").has_value());
}

}  // namespace
}  // namespace cachet::dns
