// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/import/aggregate_test.cpp: the aggregate report parser: both
// shapes, values, repairs, and the refusals (DTD, entities, invalid UTF-8, bad values).
#include "common/dmarc/import/aggregate.hpp"

#include <gtest/gtest.h>

#include "common/dmarc/import/archive.hpp"

namespace cachet::dmarc::import {
namespace {

std::string record(const std::string& ip, const std::string& count = "1", const std::string& disposition = "none",
                   const std::string& dkim = "pass") {
  return "<record><row><source_ip>" + ip + "</source_ip><count>" + count + "</count><policy_evaluated><disposition>" +
         disposition + "</disposition><dkim>" + dkim +
         "</dkim><spf>fail</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from>"
         "</identifiers><auth_results><dkim><domain>example.com</domain><selector>s1</selector><result>pass</result>"
         "</dkim><spf><domain>bounce.example.com</domain><scope>mfrom</scope><result>softfail</result></spf>"
         "</auth_results></record>";
}

std::string report(const std::string& records, const std::string& root = "<feedback>",
                   const std::string& policy_extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root +
         "<report_metadata><org_name>google.com</org_name><email>noreply-dmarc-support@google.com</email>"
         "<report_id>123</report_id><date_range><begin>1700000000</begin><end>1700086399</end></date_range>"
         "</report_metadata><policy_published><domain>Example.COM</domain><adkim>r</adkim><aspf>r</aspf><p>none</p>"
         "<sp>none</sp><pct>100</pct>" +
         policy_extra + "</policy_published>" + records + "</feedback>";
}

TEST(ParseAggregateReport, Rfc7489Report) {
  auto got =
      parse_aggregate_report(report(record("192.0.2.1", "3") + record("2001:db8::1", "2", "quarantine", "fail")));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->shape, ReportShape::rfc7489);
  EXPECT_EQ(got->org_name, "google.com");
  EXPECT_EQ(got->report_id, "123");
  EXPECT_EQ(got->begin, 1700000000);
  EXPECT_EQ(got->domain, "example.com");
  EXPECT_EQ(got->pct, 100);
  ASSERT_EQ(got->records.size(), 2u);
  EXPECT_EQ(got->records[0].count, 3u);
  EXPECT_EQ(got->records[1].source_ip, "2001:db8::1");
  EXPECT_EQ(got->records[1].disposition, "quarantine");
  EXPECT_EQ(got->records[0].dkim_results.at(0).selector, "s1");
  EXPECT_EQ(got->records[0].spf_results.at(0).result, "softfail");
  EXPECT_TRUE(got->repairs.empty());
}

TEST(ParseAggregateReport, Rfc9990Shape) {
  auto got = parse_aggregate_report(
      report(record("192.0.2.1", "1", "pass"), "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">",
             "<np>reject</np><testing>n</testing><discovery_method>treewalk</discovery_method>"));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->shape, ReportShape::rfc9990);
  EXPECT_EQ(got->np, "reject");
  EXPECT_EQ(got->discovery_method, "treewalk");
  EXPECT_EQ(got->records.at(0).disposition, "pass");
}

TEST(ParseAggregateReport, EmptyReportHasNoRecords) {
  auto got = parse_aggregate_report(report(""));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_TRUE(got->records.empty());
}

TEST(ParseAggregateReport, RepairsAnUnclosedWrapper) {
  std::string xml = report(record("192.0.2.1"));
  xml.insert(xml.find("<feedback>"), "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n");
  auto got = parse_aggregate_report(xml);
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  ASSERT_EQ(got->repairs.size(), 1u);
  EXPECT_EQ(got->records.size(), 1u);
}

TEST(ParseAggregateReport, TenThousandRecords) {
  std::string records;
  for (int i = 0; i < 10000; ++i) records += record("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  auto got = parse_aggregate_report(report(records));
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->records.size(), 10000u);
}

// The smallest record the parser accepts, so that the limit tests stay small.
std::string minimal_record(std::size_t i) {
  return "<record><row><source_ip>10." + std::to_string(i / 65536 % 256) + "." + std::to_string(i / 256 % 256) + "." +
         std::to_string(i % 256) +
         "</source_ip><count>1</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass"
         "</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers></record>";
}

TEST(ParseAggregateReport, RecordLimitIsReachableWithinTheSizeLimit) {
  EXPECT_LT(kMaxAggregateRecords * (minimal_record(0).size() + 1), kMaxReportBytes)
      << "a report at the record limit would be refused for its size first: the limit would be dead";
}

TEST(ParseAggregateReport, AtTheRecordLimitAndOneOver) {
  std::string records;
  records.reserve((kMaxAggregateRecords + 1) * (minimal_record(0).size() + 8));
  for (std::size_t i = 0; i < kMaxAggregateRecords; ++i) records += minimal_record(i);
  {  // scoped: the parsed records are freed before the second parse
    const auto at_max = parse_aggregate_report(report(records));
    ASSERT_TRUE(at_max.has_value()) << at_max.error().detail;
    EXPECT_EQ(at_max->records.size(), kMaxAggregateRecords);
  }
  records += minimal_record(kMaxAggregateRecords);
  auto over = parse_aggregate_report(report(records));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, Errc::bad_input);
  EXPECT_NE(over.error().detail.find("more than " + std::to_string(kMaxAggregateRecords) + " records"),
            std::string::npos)
      << over.error().detail;
}

struct BadCase {
  const char* name;
  std::string xml;
  const char* want;  // in the error text
};

class ParseAggregateReportBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseAggregateReportBad, RefusesWithAClearReason) {
  const BadCase& c = GetParam();
  auto got = parse_aggregate_report(c.xml);
  ASSERT_FALSE(got.has_value()) << c.name;
  EXPECT_NE(got.error().detail.find(c.want), std::string::npos) << c.name << ": " << got.error().detail;
}

const std::string kLaughs =
    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;\">]><feedback><report_metadata><org_name>&lol3;</org_name>"
    "</report_metadata></feedback>";
const std::string kExternal =
    "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
    "<feedback><report_metadata><org_name>&xxe;</org_name></report_metadata></feedback>";

INSTANTIATE_TEST_SUITE_P(
    Malformed, ParseAggregateReportBad,
    ::testing::Values(
        BadCase{"empty", "", "empty report"}, BadCase{"blank", " \n", "empty report"},
        BadCase{"billion laughs", kLaughs, "DTD"}, BadCase{"external entity", kExternal, "DTD"},
        BadCase{"undeclared entity", report("").insert(report("").find("google.com<"), "&ent;"),
                "not a DMARC aggregate report"},
        BadCase{"invalid utf-8", report(record("192.0.2.1")).replace(report("").find("google"), 1, "\xff"), "UTF-8"},
        BadCase{"not xml", "hello", "not a DMARC aggregate report"},
        BadCase{"other root", "<html><body/></html>", "root element is not <feedback>"},
        BadCase{"upper-case Pass", report(record("192.0.2.1", "1", "none", "Pass")), "'Pass' is not one of pass|fail"},
        BadCase{"bad ip", report(record("192.0.2.300")), "not an IP address"},
        BadCase{"bad count", report(record("192.0.2.1", "-1")), "count"},
        BadCase{"bad disposition", report(record("192.0.2.1", "1", "drop")), "disposition"},
        BadCase{"no report id", report("").replace(report("").find("<report_id>123"), 14, "<report_id>"), "report_id"},
        BadCase{"truncated", report(record("192.0.2.1")).substr(0, 400), "not a DMARC aggregate report"}));

}  // namespace
}  // namespace cachet::dmarc::import
