// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/history_test.cpp: the SQLite history store (round trip, period
// bounds, lazy creation, unwritable path) and the aggregate report XML (grouping, escaping).
#include "common/dmarc/history.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

HistoryRecord record(std::int64_t t, std::string ip, bool dkim_aligned) {
  HistoryRecord r;
  r.received = t;
  r.job_id = "Q" + std::to_string(t);
  r.source_ip = std::move(ip);
  r.header_from = "example.com";
  r.policy_domain = "example.com";
  r.policy = "reject";
  r.result = dkim_aligned ? "pass" : "fail";
  r.dkim = dkim_aligned ? "example.com:pass" : "";
  r.spf_domain = "example.com";
  r.spf_result = "fail";
  r.dkim_aligned = dkim_aligned;
  return r;
}

TEST(SqliteHistory, RoundTripWithinPeriod) {
  test::TempDir dir;
  SqliteHistoryStore store(dir.file("h.sqlite"));
  ASSERT_TRUE(store.add(record(100, "192.0.2.1", true)));
  ASSERT_TRUE(store.add(record(200, "192.0.2.1", true)));
  ASSERT_TRUE(store.add(record(300, "192.0.2.2", false)));
  auto got = store.range(100, 300);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].job_id, "Q100");
  EXPECT_TRUE((*got)[1].dkim_aligned);
  EXPECT_EQ((*got)[1].dkim, "example.com:pass");
}

TEST(SqliteHistory, UnwritablePathIsTemporaryError) {
  SqliteHistoryStore store("/nonexistent-dir/h.sqlite");
  auto r = store.add(record(1, "192.0.2.1", true));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::temporary);
}

TEST(AggregateReport, GroupsRowsAndEscapes) {
  std::vector<HistoryRecord> rs = {record(1, "192.0.2.1", true), record(2, "192.0.2.1", true),
                                   record(3, "192.0.2.9", false)};
  rs.push_back(record(4, "192.0.2.1", true));
  rs.back().policy_domain = "other.example";
  const std::string x = aggregate_report_xml({"Org <&>", "dmarc@example.net", "r1", 0, 86400}, "example.com", rs);
  EXPECT_NE(x.find("<org_name>Org &lt;&amp;&gt;</org_name>"), std::string::npos) << x;
  EXPECT_NE(x.find("<source_ip>192.0.2.1</source_ip>\n      <count>2</count>"), std::string::npos) << x;
  EXPECT_NE(x.find("<source_ip>192.0.2.9</source_ip>\n      <count>1</count>"), std::string::npos) << x;
  EXPECT_NE(x.find("<p>reject</p>"), std::string::npos);
  EXPECT_EQ(x.find("other.example"), std::string::npos);
}

}  // namespace
}  // namespace cachet::dmarc
