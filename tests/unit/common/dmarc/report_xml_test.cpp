// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_xml_test.cpp: the aggregate report: grouping, the full
// published policy, selectors, other domains left out, and escaping of hostile strings
// (markup, quotes, control bytes, invalid UTF-8).
#include "common/dmarc/report_xml.hpp"

#include <gtest/gtest.h>

#include "tests/support/dmarc_history_records.hpp"

namespace cachet::dmarc {
namespace {

using test::history_record;

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(AggregateReport, GroupsRowsAndLeavesOtherDomainsOut) {
  std::vector<HistoryRecord> rs = {history_record(1, "192.0.2.1", true), history_record(2, "192.0.2.1", true),
                                   history_record(3, "192.0.2.9", false)};
  rs.push_back(history_record(4, "192.0.2.1", true));
  rs.back().policy_domain = "other.example";
  const std::string x = aggregate_report_xml({"Org", "dmarc@example.net", "r1", 0, 86400}, "example.com", rs);
  EXPECT_TRUE(has(x, "<source_ip>192.0.2.1</source_ip>\n      <count>2</count>")) << x;
  EXPECT_TRUE(has(x, "<source_ip>192.0.2.9</source_ip>\n      <count>1</count>")) << x;
  EXPECT_TRUE(has(x, "<domain>example.com</domain>\n        <selector>s2026</selector>\n        <result>pass</result>")) << x;
  EXPECT_TRUE(has(x, "<domain>other.example</domain>\n        <result>fail</result>")) << x;
  EXPECT_TRUE(has(x, "<disposition>reject</disposition>")) << x;
  EXPECT_FALSE(has(x, "<domain>other.example</domain>\n    <adkim>")) << x;
}

TEST(AggregateReport, PublishesTheNewestRecordInFull) {
  std::vector<HistoryRecord> rs = {history_record(1, "192.0.2.1", true), history_record(2, "192.0.2.1", true)};
  rs[1].p = "quarantine";
  rs[1].sp = "";
  rs[1].np = "reject";
  rs[1].pct = 25;
  rs[1].fo = "d:s";
  const std::string x = aggregate_report_xml({"Org", "e@x", "r", 0, 1}, "example.com", rs);
  EXPECT_TRUE(has(x, "  <policy_published>\n    <domain>example.com</domain>\n    <adkim>s</adkim>\n"
                     "    <aspf>r</aspf>\n    <p>quarantine</p>\n    <sp>quarantine</sp>\n    <np>reject</np>\n"
                     "    <pct>25</pct>\n    <fo>d:s</fo>\n  </policy_published>\n"))
      << x;
}

TEST(AggregateReport, WithoutRecordDefaultsApply) {
  HistoryRecord r = history_record(1, "192.0.2.1", false);
  r.p = r.sp = r.adkim = r.aspf = r.fo = "";
  r.pct = 0;
  const std::string x = aggregate_report_xml({"Org", "e@x", "r", 0, 1}, "example.com", {r});
  EXPECT_TRUE(has(x, "<p>none</p>\n    <sp>none</sp>\n    <pct>100</pct>\n    <fo>0</fo>")) << x;
  EXPECT_FALSE(has(x, "<np>"));
}

TEST(AggregateReport, EscapesHostileStrings) {
  HistoryRecord r = history_record(1, "192.0.2.1", true);
  r.policy_domain = "example.com";
  r.header_from = "</header_from><evil a=\"1\">&'";
  r.dkim = "x<y>.example:s&:pass";
  r.spf_domain = std::string("ctl\x01\x7f\n", 6) + "\xff\xc3\x28" + "\xe2\x82\xac";
  const std::string x = aggregate_report_xml({"Org <&>", "e@x", "r", 0, 1}, "example.com", {r});
  EXPECT_TRUE(has(x, "<org_name>Org &lt;&amp;&gt;</org_name>")) << x;
  EXPECT_TRUE(has(x, "<header_from>&lt;/header_from&gt;&lt;evil a=&quot;1&quot;&gt;&amp;&apos;</header_from>")) << x;
  EXPECT_TRUE(has(x, "<domain>x&lt;y&gt;.example</domain>\n        <selector>s&amp;</selector>")) << x;
  EXPECT_TRUE(has(x, "<domain>ctl?????\x28\xe2\x82\xac</domain>")) << x;
}

TEST(XmlText, KeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(xml_text("b\xc3\xbc" "cher.example"), "b\xc3\xbc" "cher.example");
  EXPECT_EQ(xml_text("\xc0\xaf"), "??");          // overlong '/'
  EXPECT_EQ(xml_text("\xed\xa0\x80"), "???");     // UTF-16 surrogate
  EXPECT_EQ(xml_text("\xf4\x90\x80\x80"), "????");  // beyond U+10FFFF
  EXPECT_EQ(xml_text("\xe2\x82"), "??");          // truncated
  EXPECT_EQ(xml_text(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(xml_text(""), "");
}

}  // namespace
}  // namespace cachet::dmarc
