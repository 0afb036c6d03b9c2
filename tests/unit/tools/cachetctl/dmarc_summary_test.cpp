// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/tools/cachetctl/dmarc_summary_test.cpp: the summary of imported reports:
// tallies, source classes (own from SPF through DNS, forwarder, third party, failing),
// ranking, --since, and the text/JSON outputs.
#include "tools/cachetctl/dmarc_summary.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/dns/zone_resolver.hpp"

namespace cachet::ctl {
namespace {

using dmarc::import::SourceClass;
using dmarc::import::StoredRecord;

StoredRecord row(const std::string& ip, std::uint64_t count, const std::string& dkim, const std::string& spf,
                 const std::string& spf_results = "", const std::string& org = "google.com") {
  StoredRecord r;
  r.domain = "example.com";
  r.org = org;
  r.begin = 1700000000;
  r.end = 1700086399;
  r.source_ip = ip;
  r.count = count;
  r.disposition = dkim == "pass" || spf == "pass" ? "none" : "reject";
  r.dkim = dkim;
  r.spf = spf;
  r.spf_results = spf_results;
  return r;
}

TEST(DmarcSummary, ClassifiesSourcesWithSpfFromDns) {
  dns::ZoneResolver zone;
  zone.add_txt("example.com", {"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all"});
  zone.add("1.2.0.192.in-addr.arpa", dns::RrType::ptr, "mx1.example.com");
  const std::vector<StoredRecord> rows = {
      row("192.0.2.1", 100, "pass", "pass"),                                      // own, passes
      row("192.0.2.2", 5, "fail", "pass", "", "yahoo.com"),                       // own, DKIM broken (SPF carries it)
      row("192.0.2.3", 7, "fail", "fail"),                                        // own, failing
      row("198.51.100.7", 20, "pass", "fail", "example.com:mfrom:fail"),          // forwarder
      row("198.51.100.8", 30, "pass", "fail", "bounces.esp.example:mfrom:pass"),  // ESP
      row("203.0.113.66", 40, "fail", "fail", "example.com:mfrom:fail"),          // spoofer
      row("2001:db8::25", 1, "pass", "pass"),                                     // own over IPv6
  };
  const auto got = dmarc::import::summarize(rows, dns_source_lookup(zone));
  ASSERT_EQ(got.size(), 1u);
  const auto& d = got[0];
  EXPECT_EQ(d.tally.messages, 203u);
  EXPECT_EQ(d.tally.dmarc_pass, 156u);
  EXPECT_EQ(d.tally.rejected, 47u);
  ASSERT_EQ(d.reporters.size(), 2u);
  EXPECT_EQ(d.reporters[0].org, "google.com");
  std::map<std::string, std::pair<SourceClass, std::string>> classes;
  for (const auto& s : d.sources) classes[s.source_ip] = {s.cls, s.ptr};
  EXPECT_EQ(classes["192.0.2.1"], std::make_pair(SourceClass::own, std::string("mx1.example.com")));
  EXPECT_EQ(classes["192.0.2.2"].first, SourceClass::own);
  EXPECT_EQ(classes["192.0.2.3"].first, SourceClass::own_failing);
  EXPECT_EQ(classes["198.51.100.7"].first, SourceClass::forwarder);
  EXPECT_EQ(classes["198.51.100.8"].first, SourceClass::third_party);
  EXPECT_EQ(classes["203.0.113.66"].first, SourceClass::failing);
  EXPECT_EQ(classes["2001:db8::25"].first, SourceClass::own);
  ASSERT_EQ(d.failing.size(), 2u);  // ranked by failures
  EXPECT_EQ(d.failing[0].source_ip, "203.0.113.66");
  EXPECT_EQ(d.failing[1].source_ip, "192.0.2.3");

  const auto json = nlohmann::json::parse(summary_json(got));
  EXPECT_EQ(json[0]["domain"], "example.com");
  EXPECT_EQ(json[0]["failing"][0]["class"], "failing");
  EXPECT_EQ(json[0]["tally"]["messages"], 203);
  const std::string text = summary_text(got);
  EXPECT_NE(text.find("1. 203.0.113.66: 40 of 40 fail"), std::string::npos) << text;
  EXPECT_NE(text.find("192.0.2.1 (mx1.example.com)"), std::string::npos) << text;
}

TEST(DmarcSummary, EmptyAndReverseNames) {
  EXPECT_TRUE(dmarc::import::summarize({}, {}).empty());
  EXPECT_EQ(summary_text({}), "no aggregate reports in that period\n");
  EXPECT_EQ(dmarc::import::reverse_dns_name("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(dmarc::import::reverse_dns_name("2001:db8::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(dmarc::import::reverse_dns_name("nope"), "");
}

TEST(ParseSince, UnitsDatesAndEpoch) {
  const std::int64_t now = 1700000000;
  EXPECT_EQ(parse_since("7d", now), now - 7 * 86400);
  EXPECT_EQ(parse_since("12h", now), now - 12 * 3600);
  EXPECT_EQ(parse_since("2w", now), now - 14 * 86400);
  EXPECT_EQ(parse_since("30m", now), now - 1800);
  EXPECT_EQ(parse_since("2023-11-14", now), 1699920000);
  EXPECT_EQ(parse_since("0", now), 0);
  EXPECT_FALSE(parse_since("", now));
  EXPECT_FALSE(parse_since("7x", now));
  EXPECT_FALSE(parse_since("-1d", now));
  EXPECT_FALSE(parse_since("2023-13-45", now));
}

}  // namespace
}  // namespace cachet::ctl
