// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/engine_test.cpp: SpfEngine against small in-memory zones: the
// result mapping, DNS failures (never a pass), the RFC 7208 limits enforced in our layer,
// ip4-mapped clients, loopback (no free pass), the time limit, the libspf2 CVE inputs
// (peers.md s4.2) and a per-request cost measurement.
#include "common/spf/engine.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/common/spf/suite_zone.hpp"

namespace cachet::spf {
namespace {

using dns::RrType;
using testing::SuiteZone;

SpfResult check(SuiteZone& zone, std::string_view ip, std::string_view sender, Options opts = {}) {
  SpfEngine engine(zone, std::move(opts));
  return engine.check_mailfrom(ip, sender, "helo.example.org");
}

TEST(MapLibspf2Result, CoversEveryValue) {
  EXPECT_EQ(map_libspf2_result(1, false), Verdict::neutral);
  EXPECT_EQ(map_libspf2_result(2, false), Verdict::pass);
  EXPECT_EQ(map_libspf2_result(3, false), Verdict::fail);
  EXPECT_EQ(map_libspf2_result(4, false), Verdict::softfail);
  EXPECT_EQ(map_libspf2_result(5, false), Verdict::none);
  EXPECT_EQ(map_libspf2_result(6, false), Verdict::temperror);
  EXPECT_EQ(map_libspf2_result(7, false), Verdict::permerror);
  // SPF_RESULT_INVALID: temperror with a DNS error, else permerror; never a pass.
  EXPECT_EQ(map_libspf2_result(0, true), Verdict::temperror);
  EXPECT_EQ(map_libspf2_result(0, false), Verdict::permerror);
  EXPECT_EQ(map_libspf2_result(99, false), Verdict::permerror);
  EXPECT_EQ(map_libspf2_result(-1, true), Verdict::temperror);
}

TEST(VerdictNames, AreRfc7208Words) {
  EXPECT_STREQ(to_string(Verdict::none), "none");
  EXPECT_STREQ(to_string(Verdict::softfail), "softfail");
  EXPECT_STREQ(to_string(Verdict::permerror), "permerror");
  EXPECT_STREQ(to_string(Verdict::temperror), "temperror");
}

TEST(SpfEngine, EachResultClass) {
  SuiteZone z;
  z.add("pass.example", RrType::txt, "v=spf1 ip4:192.0.2.1 -all");
  z.add("fail.example", RrType::txt, "v=spf1 -all exp=why.fail.example");
  z.add("why.fail.example", RrType::txt, "%{i} is not one of %{d}'s hosts");
  z.add("soft.example", RrType::txt, "v=spf1 ~all");
  z.add("neutral.example", RrType::txt, "v=spf1 ?all");
  z.add("perm.example", RrType::txt, "v=spf1 foo:bar");
  z.add("temp.example", RrType::txt, "v=spf1 a:error.example -all");
  z.add("other.example", RrType::txt, "google-site-verification=x");
  EXPECT_EQ(check(z, "192.0.2.1", "u@pass.example").verdict, Verdict::pass);
  const SpfResult f = check(z, "192.0.2.9", "u@fail.example");
  EXPECT_EQ(f.verdict, Verdict::fail);
  EXPECT_EQ(f.explanation, "192.0.2.9 is not one of fail.example's hosts");
  EXPECT_EQ(check(z, "192.0.2.9", "u@soft.example").verdict, Verdict::softfail);
  EXPECT_EQ(check(z, "192.0.2.9", "u@neutral.example").verdict, Verdict::neutral);
  const SpfResult p = check(z, "192.0.2.9", "u@perm.example");
  EXPECT_EQ(p.verdict, Verdict::permerror);
  EXPECT_NE(p.problem.find("unknown mechanism"), std::string::npos) << p.problem;
  EXPECT_EQ(check(z, "192.0.2.9", "u@temp.example").verdict, Verdict::temperror);
  EXPECT_EQ(check(z, "192.0.2.9", "u@other.example").verdict, Verdict::none);
  EXPECT_EQ(check(z, "192.0.2.9", "u@missing.example").verdict, Verdict::none);
}

TEST(SpfEngine, DnsTimeoutNeverPasses) {
  SuiteZone z;
  z.add_timeout("t.example", RrType::txt);
  z.add("inc.example", RrType::txt, "v=spf1 include:t.example +all");
  z.add("mx.example", RrType::txt, "v=spf1 mx -all");
  z.add("mx.example", RrType::mx, "host.mx.example", 10);
  z.add_timeout("host.mx.example");
  z.add("ex.example", RrType::txt, "v=spf1 -exists:error.example +all");
  for (const char* d : {"t.example", "inc.example", "mx.example", "ex.example"}) {
    const SpfResult r = check(z, "192.0.2.1", std::string("u@") + d);
    EXPECT_EQ(r.verdict, Verdict::temperror) << d << " problem=" << r.problem;
  }
}

// RFC 7208 s5.5: a DNS error while the ptr mechanism resolves is no temperror: an error on
// the PTR lookup makes the mechanism not match, one on a PTR name's address lookup skips
// that name (the suite's ptr-cname-loop, as a real server answers it: SERVFAIL).
TEST(SpfEngine, PtrDnsErrorsSkipTheName) {
  SuiteZone z;
  z.add("ptr.example", RrType::txt, "v=spf1 ptr -all");
  z.add("4.2.0.192.in-addr.arpa", RrType::ptr, "loop.ptr.example");
  z.add("4.2.0.192.in-addr.arpa", RrType::ptr, "good.ptr.example");
  z.add_timeout("loop.ptr.example");
  z.add("good.ptr.example", RrType::a, "192.0.2.4");
  const SpfResult skipped = check(z, "192.0.2.4", "u@ptr.example");
  EXPECT_EQ(skipped.verdict, Verdict::pass) << skipped.problem;
  z.add_timeout("5.2.0.192.in-addr.arpa");
  const SpfResult no_match = check(z, "192.0.2.5", "u@ptr.example");
  EXPECT_EQ(no_match.verdict, Verdict::fail) << no_match.problem;
  // An MX host's address error is still temperror (DnsTimeoutNeverPasses): only ptr skips.
  z.add("mxptr.example", RrType::txt, "v=spf1 mx ptr -all");
  z.add("mxptr.example", RrType::mx, "loop.ptr.example", 10);
  EXPECT_EQ(check(z, "192.0.2.4", "u@mxptr.example").verdict, Verdict::temperror);
}

// Labels may hold any octet (RFC 2181 s11): MX and PTR targets with odd octets are looked
// up as they are; one dotted text cannot hold (a dot inside a label) is ignored.
TEST(SpfEngine, TargetsWithOddOctets) {
  SuiteZone z;
  z.add("mx.example", RrType::txt, "v=spf1 mx -all");
  z.add("mx.example", RrType::mx, "odd\\046dot.example", 10);
  z.add("mx.example", RrType::mx, "odd\\032space.example", 20);
  z.add("odd\\046dot.example", RrType::a, "192.0.2.7");
  z.add("odd\\032space.example", RrType::a, "192.0.2.8");
  EXPECT_EQ(check(z, "192.0.2.8", "u@mx.example").verdict, Verdict::pass);
  EXPECT_EQ(check(z, "192.0.2.7", "u@mx.example").verdict, Verdict::fail);  // its host was ignored
  z.add("ptr.example", RrType::txt, "v=spf1 ptr -all");
  z.add("8.2.0.192.in-addr.arpa", RrType::ptr, "odd\\032space.ptr.example");
  z.add("odd\\032space.ptr.example", RrType::a, "192.0.2.8");
  EXPECT_EQ(check(z, "192.0.2.8", "u@ptr.example").verdict, Verdict::pass);
  // The expanded name of a macro holds spaces: asked as such (macro-mania-in-domain).
  z.add("macro.example", RrType::txt, "v=spf1 a:macro%%percent%_%_space.example -all");
  z.add("macro%percent\\032\\032space.example", RrType::a, "192.0.2.9");
  EXPECT_EQ(check(z, "192.0.2.9", "u@macro.example").verdict, Verdict::pass);
}

TEST(SpfEngine, LookupLimitCountsAcrossIncludes) {
  SuiteZone z;
  // 11 DNS terms through nested includes: libspf2 alone loses count inside includes.
  std::string chain = "v=spf1";
  for (int i = 0; i < 11; ++i) chain += " include:i" + std::to_string(i) + ".example";
  z.add("top.example", RrType::txt, chain + " +all");
  for (int i = 0; i < 11; ++i) z.add("i" + std::to_string(i) + ".example", RrType::txt, "v=spf1 -all");
  const SpfResult r = check(z, "192.0.2.1", "u@top.example");
  EXPECT_EQ(r.verdict, Verdict::permerror) << r.problem;
  EXPECT_NE(r.problem.find("DNS lookups"), std::string::npos) << r.problem;

  z.add("ten.example", RrType::txt,
        "v=spf1 a:h1.example a:h2.example a:h3.example a:h4.example a:h5.example a:h6.example a:h7.example "
        "a:h8.example a:h9.example a:h10.example +all");
  for (int i = 1; i <= 10; ++i) z.add("h" + std::to_string(i) + ".example", RrType::a, "198.51.100.1");
  EXPECT_EQ(check(z, "192.0.2.1", "u@ten.example").verdict, Verdict::pass) << "10 terms is at the limit";
  Options strict;
  strict.lookup_limit = 9;
  EXPECT_EQ(check(z, "192.0.2.1", "u@ten.example", strict).verdict, Verdict::permerror);
}

TEST(SpfEngine, VoidLookupLimit) {
  SuiteZone z;
  z.add("v2.example", RrType::txt, "v=spf1 a:n1.example a:n2.example +all");
  z.add("v3.example", RrType::txt, "v=spf1 a:n1.example a:n2.example a:n3.example +all");
  EXPECT_EQ(check(z, "192.0.2.1", "u@v2.example").verdict, Verdict::pass);
  EXPECT_EQ(check(z, "192.0.2.1", "u@v3.example").verdict, Verdict::permerror);
  Options lax;
  lax.void_limit = 3;
  EXPECT_EQ(check(z, "192.0.2.1", "u@v3.example", lax).verdict, Verdict::pass);
}

TEST(SpfEngine, MultipleRecordsArePermerror) {
  SuiteZone z;
  z.add("two.example", RrType::txt, "v=spf1 +all");
  z.add("two.example", RrType::txt, "v=spf1 -all");
  z.add("spfonly.example", RrType::spf, "v=spf1 +all");  // type 99 is never consulted
  EXPECT_EQ(check(z, "192.0.2.1", "u@two.example").verdict, Verdict::permerror);
  EXPECT_EQ(check(z, "192.0.2.1", "u@spfonly.example").verdict, Verdict::none);
}

TEST(SpfEngine, Ip4MappedClientMatchesIp4) {
  SuiteZone z;
  z.add("m.example", RrType::txt, "v=spf1 ip4:192.0.2.0/24 -all");
  EXPECT_EQ(check(z, "::ffff:192.0.2.7", "u@m.example").verdict, Verdict::pass);
  EXPECT_EQ(check(z, "::ffff:198.51.100.7", "u@m.example").verdict, Verdict::fail);
}

TEST(SpfEngine, LoopbackGetsNoFreePass) {
  SuiteZone z;
  z.add("l.example", RrType::txt, "v=spf1 -all");
  EXPECT_EQ(check(z, "127.0.0.1", "u@l.example").verdict, Verdict::fail);
  EXPECT_EQ(check(z, "::1", "u@l.example").verdict, Verdict::fail);
}

TEST(SpfEngine, BadInputs) {
  SuiteZone z;
  SpfEngine engine(z, Options{});
  EXPECT_FALSE(engine.check_host("not-an-ip", "x.example", "u@x.example", "h").has_value());
  EXPECT_FALSE(engine.check_host("192.0.2.1", "", "u@x.example", "h").has_value());
  EXPECT_EQ(engine.check_mailfrom("bogus", "u@x.example", "h").verdict, Verdict::permerror);
  // RFC 7208 s4.3: malformed domains are "none" without DNS.
  for (const char* d : {"localhost", "a..example", "[192.0.2.1]",
                        "x.a1234567890123456789012345678901234567890123456789012345678901234.example"}) {
    const int before = z.queries;
    EXPECT_EQ(engine.check_helo("192.0.2.1", d).verdict, Verdict::none) << d;
    EXPECT_EQ(z.queries, before) << d;
  }
}

// A resolver that answers slowly, for the time limit.
class SlowZone : public SuiteZone {
 public:
  dns::Answer query(std::string_view name, RrType t) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return SuiteZone::query(name, t);
  }
};

TEST(SpfEngine, TimeLimitGivesTemperror) {
  SlowZone z;
  z.add("slow.example", RrType::txt, "v=spf1 a:a1.slow.example a:a2.slow.example a:a3.slow.example +all");
  for (int i = 1; i <= 3; ++i) z.add("a" + std::to_string(i) + ".slow.example", RrType::a, "198.51.100.1");
  Options o;
  o.time_limit = std::chrono::milliseconds(50);
  const SpfResult r = check(z, "192.0.2.1", "u@slow.example", o);
  EXPECT_EQ(r.verdict, Verdict::temperror) << r.problem;
}

// peers.md s4.2: inputs behind libspf2 CVEs. Under ASan each must give a clear result.
TEST(SpfEngine, Libspf2CveInputsGiveClearResults) {
  SuiteZone z;
  const std::string lit255(255, 'x');
  const std::string lit250(250, 'y');
  // CVE-2021-20314 / CVE-2023-42118: literal text filling libspf2's compile buffers.
  z.add("c1.example", RrType::txt,
        "v=spf1 exists:" + lit250.substr(0, 60) + "." + lit250.substr(0, 60) + "." + lit250.substr(0, 60) +
            ".example -all exp=" + lit255.substr(0, 63) + ".example");
  z.add("c2.example", RrType::txt, "v=spf1 -all exp=e.c2.example");
  z.add("e.c2.example", RrType::txt, std::string(450, 'z') + " %{L}%{L}%{L}%{L}");
  std::string many = "v=spf1";
  for (int i = 0; i < 30; ++i) many += " a:" + std::string(60, static_cast<char>('a' + i % 26)) + ".example";
  z.add("c3.example", RrType::txt, many + " -all");
  // CVE-2021-33912: URL-escaped macros over 8-bit local parts.
  z.add("c4.example", RrType::txt, "v=spf1 exists:%{L}.x.example -all exp=e.c4.example");
  z.add("e.c4.example", RrType::txt, "%{L} %{S} %{O}");
  // CVE-2021-33913: reverse transformers with digits and delimiters.
  z.add("c5.example", RrType::txt, "v=spf1 exists:%{IR}.%{D2R}.%{L1r+-}.x.example -all exp=e.c5.example");
  z.add("e.c5.example", RrType::txt, "%{IR} %{D2R} %{L1r+-} %{lr} %{l99r-}");
  const std::string local8 = "\xc3\xa9l\xff\x80+a-b";
  struct Row {
    const char* domain;
    std::string sender;
  };
  const std::vector<Row> rows = {
      {"c1.example", "u@c1.example"},         {"c2.example", std::string(200, 'l') + "@c2.example"},
      {"c3.example", "u@c3.example"},         {"c4.example", local8 + "@c4.example"},
      {"c5.example", local8 + "@c5.example"}, {"c5.example", std::string(300, 'q') + "@c5.example"},
  };
  for (const Row& row : rows) {
    const SpfResult r = check(z, "2001:db8::1", row.sender);
    EXPECT_NE(r.verdict, Verdict::pass) << row.domain;
    EXPECT_LE(r.explanation.size(), 1024u) << row.domain;
    std::cout << "  cve-input " << row.domain << " -> " << to_string(r.verdict) << " " << r.problem << "\n";
  }
}

// One engine per thread (the documented model): engines share no mutable state.
TEST(SpfEngine, OneEnginePerThreadRunsConcurrently) {
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::vector<int> passes(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &passes] {
      SuiteZone z;  // SuiteZone itself is not thread-safe: one per thread here
      z.add("p.example", RrType::txt, "v=spf1 a:h.p.example include:i.p.example -all");
      z.add("h.p.example", RrType::a, "198.51.100.1");
      z.add("i.p.example", RrType::txt, "v=spf1 ip4:192.0.2.0/24 -all");
      SpfEngine engine(z, Options{});
      for (int i = 0; i < 200; ++i) {
        if (engine.check_mailfrom("192.0.2.5", "u@p.example", "h").verdict == Verdict::pass) {
          ++passes[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int p : passes) EXPECT_EQ(p, 200);
}

// Not a benchmark: prints the per-request cost so regressions are visible in the log.
TEST(SpfEngine, PerRequestCost) {
  SuiteZone z;
  z.add("bench.example", RrType::txt, "v=spf1 ip4:198.51.100.0/24 a mx include:inc.bench.example -all");
  z.add("bench.example", RrType::a, "198.51.100.10");
  z.add("bench.example", RrType::mx, "mx.bench.example", 10);
  z.add("mx.bench.example", RrType::a, "198.51.100.11");
  z.add("inc.bench.example", RrType::txt, "v=spf1 ip4:192.0.2.0/24 -all");
  SpfEngine engine(z, Options{});
  constexpr int kRuns = 2000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    ASSERT_EQ(engine.check_mailfrom("192.0.2.1", "u@bench.example", "h.example").verdict, Verdict::pass);
  }
  const auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) SpfEngine fresh(z, Options{});
  const auto t2 = std::chrono::steady_clock::now();
  const double per_check = std::chrono::duration<double, std::micro>(t1 - t0).count() / kRuns;
  const double per_engine = std::chrono::duration<double, std::micro>(t2 - t1).count() / 200;
  std::cout << "  check_mailfrom (4 DNS terms, in-memory zone): " << per_check << " us\n"
            << "  SpfEngine construction (SPF_server_new_dns): " << per_engine << " us\n";
}

}  // namespace
}  // namespace cachet::spf
