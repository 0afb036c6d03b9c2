// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_aggregate_test.cpp: report periods (UTC, aligned, limits),
// grouping of history into one report per policy domain and period, both XML shapes, and
// escaping of hostile strings.
#include "common/dmarc/report_aggregate.hpp"

#include <gtest/gtest.h>

#include "tests/lib/dmarc_history_records.hpp"

namespace cachet::dmarc {
namespace {

using testlib::history_record;

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

struct PeriodCase {
  std::string_view name, input;
  std::int64_t want;  // 0 = rejected
};
class ParsePeriod : public ::testing::TestWithParam<PeriodCase> {};

TEST_P(ParsePeriod, AcceptsOnlyDivisorsOfADay) {
  const PeriodCase& c = GetParam();
  const auto got = parse_period_length(c.input);
  EXPECT_EQ(got.has_value() ? *got : 0, c.want) << c.name << " input='" << c.input << "'";
}
INSTANTIATE_TEST_SUITE_P(Periods, ParsePeriod,
                         ::testing::Values(PeriodCase{"day", "day", 86400}, PeriodCase{"1d", "1d", 86400},
                                           PeriodCase{"24h", "24h", 86400}, PeriodCase{"hour", "HOUR", 3600},
                                           PeriodCase{"6h", "6h", 21600}, PeriodCase{"seconds", "3600", 3600},
                                           PeriodCase{"empty", "", 0}, PeriodCase{"zero", "0h", 0},
                                           PeriodCase{"5h divides no day", "5h", 0}, PeriodCase{"two days", "2d", 0},
                                           PeriodCase{"48h", "48h", 0}, PeriodCase{"junk", "weekly", 0},
                                           PeriodCase{"negative", "-1h", 0}, PeriodCase{"7 seconds", "7", 0},
                                           PeriodCase{"huge", "99999999999999999999h", 0}));

TEST(CompletePeriods, UtcDaysAlignedOnTheEpochAndOnlyFinishedOnes) {
  // 2026-03-29 01:30 UTC (a DST change day in Europe: irrelevant, periods are UTC).
  const std::int64_t now = 1774747800;
  const auto got = complete_periods(now - 3 * 86400, now, 86400);
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ(got->front().begin % 86400, 0);
  EXPECT_EQ(got->back().end, now - now % 86400);  // today's period is not finished
  for (const Period& p : *got) EXPECT_EQ(p.end - p.begin, 86400);
}

TEST(CompletePeriods, EndingExactlyNowCountsAndNothingBeforeSince) {
  const auto got = complete_periods(7200, 10800, 3600);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::vector<Period>{{7200, 10800}}));
  EXPECT_TRUE(complete_periods(10800, 10800, 3600)->empty());
}

TEST(CompletePeriods, RefusesAnAbsurdBacklog) {
  EXPECT_FALSE(complete_periods(0, 86400LL * 365 * 2, 3600).has_value());
  EXPECT_FALSE(complete_periods(0, 100, 0).has_value());
}

TEST(EnvelopeDomain, TakesTheDomainOfTheStoredAddress) {
  EXPECT_EQ(envelope_domain("<bounce@Mail.Example.COM>"), "mail.example.com");
  EXPECT_EQ(envelope_domain("<>"), "");
  EXPECT_EQ(envelope_domain("a@b@c.example"), "c.example");
  EXPECT_EQ(envelope_domain("example.org"), "example.org");
}

TEST(AggregateBuilder, OneReportPerDomainRowsGroupedAndPeriodRespected) {
  AggregateBuilder b({100, 200});
  for (int t : {100, 101, 102}) b.add(history_record(t, "192.0.2.1", true));
  b.add(history_record(103, "192.0.2.1", false));  // other results: own row
  b.add(history_record(104, "192.0.2.2", true));   // other IP: own row
  HistoryRecord other_from = history_record(105, "192.0.2.1", true);
  other_from.envelope_from = "<x@elsewhere.example>";  // other identifier: own row
  b.add(other_from);
  HistoryRecord other_domain = history_record(106, "192.0.2.1", true);
  other_domain.policy_domain = "Other.Example";
  b.add(other_domain);
  b.add(history_record(99, "192.0.2.1", true));   // before the period
  b.add(history_record(200, "192.0.2.1", true));  // end is exclusive
  HistoryRecord no_domain = history_record(150, "192.0.2.1", true);
  no_domain.policy_domain.clear();
  b.add(no_domain);

  ASSERT_EQ(b.domains().size(), 2u);
  const DomainAggregate& a = b.domains().at("example.com");
  EXPECT_EQ(a.messages, 6u);
  ASSERT_EQ(a.rows.size(), 4u);
  std::uint64_t total = 0;
  for (const auto& [k, n] : a.rows) total += n;
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(a.rows.begin()->first.source_ip, "192.0.2.1");
  EXPECT_EQ(b.domains().at("other.example").messages, 1u);
}

TEST(AggregateBuilder, PublishesTheNewestRecord) {
  AggregateBuilder b({0, 1000});
  HistoryRecord newer = history_record(20, "192.0.2.1", true);
  newer.p = "quarantine";
  newer.rua = "mailto:new@example.com";
  b.add(newer);
  b.add(history_record(10, "192.0.2.1", true));  // older, arrives later
  const DomainAggregate& a = b.domains().at("example.com");
  EXPECT_EQ(a.newest.p, "quarantine");
  EXPECT_EQ(a.newest.rua, "mailto:new@example.com");
}

AggregateMeta meta() {
  AggregateMeta m;
  m.org_name = "Example Receiver";
  m.email = "dmarc-reports@receiver.example";
  m.extra_contact_info = "https://receiver.example/dmarc";
  m.period = {86400, 172800};
  m.report_id = report_id(m.period, "example.com");
  m.generator = "cachet 0.1.0";
  m.discovery_method = "psl";
  return m;
}

TEST(AggregateXml, Rfc9990Shape) {
  AggregateBuilder b({86400, 172800});
  HistoryRecord r = history_record(86400, "192.0.2.1", false);
  r.np = "reject";
  r.pct = 50;
  b.add(r);
  const std::string x = aggregate_xml(meta(), b.domains().at("example.com"), ReportShape::rfc9990);
  EXPECT_TRUE(has(x, "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n  <version>1.0</version>\n")) << x;
  EXPECT_TRUE(has(x, "<report_id>86400.172799.example.com</report_id>")) << x;
  EXPECT_TRUE(has(x, "<begin>86400</begin>\n      <end>172799</end>")) << x;
  EXPECT_TRUE(has(x, "<extra_contact_info>https://receiver.example/dmarc</extra_contact_info>")) << x;
  EXPECT_TRUE(has(x, "<generator>cachet 0.1.0</generator>")) << x;
  EXPECT_TRUE(has(x, "<discovery_method>psl</discovery_method>")) << x;
  EXPECT_TRUE(has(x, "<np>reject</np>\n    <psd>u</psd>")) << x;
  EXPECT_FALSE(has(x, "<pct>")) << x;
  // A selector in every DKIM result, even an unknown one.
  EXPECT_TRUE(has(x, "<domain>other.example</domain>\n        <selector></selector>\n        <result>fail</result>"))
      << x;
  EXPECT_TRUE(has(x, "<envelope_from>example.com</envelope_from>\n      <header_from>example.com</header_from>")) << x;
  EXPECT_TRUE(has(x, "<scope>mfrom</scope>")) << x;
}

TEST(AggregateXml, Rfc7489Shape) {
  AggregateBuilder b({86400, 172800});
  HistoryRecord r = history_record(86400, "192.0.2.1", false);
  r.np = "reject";
  r.pct = 50;
  b.add(r);
  const std::string x = aggregate_xml(meta(), b.domains().at("example.com"), ReportShape::rfc7489);
  EXPECT_TRUE(has(x, "<feedback>\n  <report_metadata>")) << x;
  EXPECT_FALSE(has(x, "<version>")) << x;
  EXPECT_FALSE(has(x, "<np>")) << x;
  EXPECT_FALSE(has(x, "<discovery_method>")) << x;
  EXPECT_FALSE(has(x, "<generator>")) << x;
  EXPECT_TRUE(has(x, "<pct>50</pct>")) << x;
  EXPECT_TRUE(has(x, "<domain>other.example</domain>\n        <result>fail</result>")) << x;
}

TEST(AggregateXml, WithoutRecordDefaultsApply) {
  AggregateBuilder b({0, 10});
  HistoryRecord r = history_record(1, "192.0.2.1", false);
  r.p = r.sp = r.adkim = r.aspf = r.fo = "";
  r.pct = 0;
  b.add(r);
  const std::string x = aggregate_xml(meta(), b.domains().at("example.com"), ReportShape::rfc7489);
  EXPECT_TRUE(has(x,
                  "<adkim>r</adkim>\n    <aspf>r</aspf>\n    <p>none</p>\n    <sp>none</sp>\n    <pct>100</pct>\n"
                  "    <fo>0</fo>"))
      << x;
  EXPECT_FALSE(has(x, "<np>"));
}

TEST(AggregateXml, EscapesHostileStrings) {
  AggregateBuilder b({0, 10});
  HistoryRecord r = history_record(1, "192.0.2.1<", true);
  r.header_from = "</header_from><evil a=\"1\">&'";
  r.dkim = "x<y>.example:s&:pass";
  r.spf_domain = std::string("ctl\x01\x7f", 5) + "\xff" + "\xe2\x82\xac";
  b.add(r);
  AggregateMeta m = meta();
  m.org_name = "A & B <Mail>";
  const std::string x = aggregate_xml(m, b.domains().at("example.com"), ReportShape::rfc9990);
  EXPECT_TRUE(has(x, "<org_name>A &amp; B &lt;Mail&gt;</org_name>")) << x;
  EXPECT_TRUE(has(x, "<header_from>&lt;/header_from&gt;&lt;evil a=&quot;1&quot;&gt;&amp;&apos;</header_from>")) << x;
  EXPECT_TRUE(has(x, "<domain>x&lt;y&gt;.example</domain>\n        <selector>s&amp;</selector>")) << x;
  EXPECT_TRUE(has(x, "<domain>ctl???\xe2\x82\xac</domain>")) << x;
  EXPECT_TRUE(has(x, "<source_ip>192.0.2.1&lt;</source_ip>")) << x;
  EXPECT_FALSE(has(x, "<evil")) << x;
}

TEST(ReportId, SameForEveryHostAndSafeCharacters) {
  EXPECT_EQ(report_id({0, 86400}, "Example.COM"), "0.86399.example.com");
  EXPECT_EQ(report_id({0, 86400},
                      "b\xc3\xa4"
                      "d <x>"),
            "0.86399.b__d__x_");
}

}  // namespace
}  // namespace cachet::dmarc
