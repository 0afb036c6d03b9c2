// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/tools/cachetctl/dmarc_dashboard_test.cpp: the dashboard page: self-contained
// (no script, no external URL, a CSP of default-src 'none'), the charts and tables there,
// every report string escaped.
#include "tools/cachetctl/dmarc_dashboard.hpp"

#include <gtest/gtest.h>

namespace cachet::ctl {
namespace {

using dmarc::import::StoredFailure;
using dmarc::import::StoredRecord;

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(DmarcDashboard, SelfContainedWithChartsAndEscapedText) {
  std::vector<StoredRecord> rows;
  for (int day = 0; day < 3; ++day) {
    StoredRecord r;
    r.domain = "example.com";
    r.org = "<script>alert(1)</script>";
    r.begin = 1700000000 + day * 86400;
    r.end = r.begin + 86399;
    r.source_ip = "203.0.113." + std::to_string(day);
    r.count = 10;
    r.dkim = day == 0 ? "fail" : "pass";
    r.spf = "fail";
    r.disposition = "none";
    rows.push_back(r);
  }
  DashboardInput in;
  in.rows = rows;
  in.domains = dmarc::import::summarize(rows, {});
  in.failures.push_back(StoredFailure{"r@example.net", "example.com", "192.0.2.9", "today", "dmarc", "", "\"x\" <a@b>",
                                      "<img src=http://evil.example/x>", "", 0});
  in.since = 1699000000;
  in.now = 1700300000;
  const std::string html = dashboard_html(in);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("src=\""), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=http://evil.example/x&gt;"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 3u);       // trend, reporters, sources
  EXPECT_EQ(count(html, "<polyline"), 3u);  // DMARC, DKIM, SPF
  EXPECT_NE(html.find("<table class=\"failing\">"), std::string::npos);
  EXPECT_NE(html.find("<table class=\"failures\">"), std::string::npos);
}

TEST(DmarcDashboard, EmptyPeriod) {
  const std::string html = dashboard_html({});
  EXPECT_NE(html.find("No aggregate report in this period."), std::string::npos);
  EXPECT_NE(html.find("No failure report imported in this period."), std::string::npos);
}

}  // namespace
}  // namespace cachet::ctl
