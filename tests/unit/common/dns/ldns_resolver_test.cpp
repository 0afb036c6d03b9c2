// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/ldns_resolver_test.cpp: LdnsResolver::create() option checks and
// the resolv.conf fallback. Sends no query (the network tests are in
// tests/integration/dns_resolver_test.cpp).
#include "common/dns/ldns_resolver.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace cachet::dns {
namespace {

TEST(LdnsResolverCreate, TakesExplicitNameservers) {
  ResolverOptions o;
  o.nameservers = {"127.0.0.1:5353", "[::1]"};
  o.resolv_conf = "/nonexistent";  // not consulted when the list is given
  const auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ((*r)->nameservers().size(), 2u);
  EXPECT_EQ((*r)->nameservers()[0].text, "127.0.0.1:5353");
  EXPECT_EQ((*r)->nameservers()[1].text, "[::1]:53");
}

TEST(LdnsResolverCreate, FallsBackToResolvConfOnlyWhenListIsEmpty) {
  char path[] = "/tmp/cachet-resolv-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "search example.org\nnameserver 127.0.0.2\n";
  ResolverOptions o;
  o.resolv_conf = path;
  const auto r = LdnsResolver::create(o);
  ::unlink(path);
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ((*r)->nameservers().size(), 1u);
  EXPECT_EQ((*r)->nameservers()[0].text, "127.0.0.2:53");
}

TEST(LdnsResolverCreate, RejectsBadOptions) {
  ResolverOptions o;
  o.nameservers = {"127.0.0.1"};
  o.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(LdnsResolver::create(o).error().code, Errc::config);
  o.timeout = kMaxTimeout + std::chrono::milliseconds(1);
  EXPECT_FALSE(LdnsResolver::create(o).has_value());
  o.timeout = kMaxTimeout;
  EXPECT_TRUE(LdnsResolver::create(o).has_value());
  o.retries = kMaxRetries + 1;
  EXPECT_FALSE(LdnsResolver::create(o).has_value());
  o.retries = kMaxRetries;
  o.nameservers = {"127.0.0.1", "resolver.example"};
  EXPECT_FALSE(LdnsResolver::create(o).has_value());
  o.nameservers = {};
  o.resolv_conf = "/nonexistent/resolv.conf";
  EXPECT_FALSE(LdnsResolver::create(o).has_value());
}

TEST(LdnsResolverQuery, InvalidNameNeedsNoNetwork) {
  ResolverOptions o;
  o.nameservers = {"127.0.0.1:9"};  // never contacted
  const auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value());
  const auto got = (*r)->query("a..example", RrType::a);
  EXPECT_TRUE(got.is_invalid_name);
  EXPECT_EQ((*r)->udp_queries_sent(), 0u);
}

}  // namespace
}  // namespace cachet::dns
