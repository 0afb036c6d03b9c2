// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_failure_test.cpp: the fo= decision row by row, the rate
// limiter (window, per domain, memory bound), and the ARF layout (RFC 6591 fields, the
// header block without the body, hostile values kept on their line).
#include "common/dmarc/report_failure.hpp"

#include <gtest/gtest.h>

#include "tests/lib/dmarc_failure_report.hpp"

namespace cachet::dmarc {
namespace {

struct FoCase {
  std::string_view name, fo;
  FailureFacts facts;
  bool want;
};
class FailureOptions : public ::testing::TestWithParam<FoCase> {};

TEST_P(FailureOptions, DecideAsRfc7489Section63) {
  const FoCase& c = GetParam();
  EXPECT_EQ(wants_failure_report(c.fo, c.facts), c.want) << c.name;
}
// facts: {dkim aligned pass, spf aligned pass, a DKIM signature failed, SPF failed}
INSTANTIATE_TEST_SUITE_P(
    Rfc7489, FailureOptions,
    ::testing::Values(FoCase{"fo=0 both fail", "0", {false, false, true, true}, true},
                      FoCase{"fo=0 spf aligned", "0", {false, true, true, false}, false},
                      FoCase{"default is 0", "", {false, false, false, true}, true},
                      FoCase{"default, dkim aligned", "", {true, false, false, true}, false},
                      FoCase{"fo=1 one fails", "1", {true, false, false, true}, true},
                      FoCase{"fo=1 both pass", "1", {true, true, false, false}, false},
                      FoCase{"fo=d a signature failed though dmarc passed", "d", {true, true, true, false}, true},
                      FoCase{"fo=d nothing failed", "d", {false, false, false, true}, false},
                      FoCase{"fo=s spf failed", "s", {true, true, false, true}, true},
                      FoCase{"fo=d:s", "d:s", {true, true, false, true}, true},
                      FoCase{"junk only reads as 0", "x:y", {false, false, false, false}, true},
                      FoCase{"junk and 1", "x:1", {true, false, false, false}, true}));

TEST(FailureRateLimiter, PerDomainPerWindow) {
  FailureRateLimiter l(2, 3600);
  EXPECT_TRUE(l.allow("a.example", 0));
  EXPECT_TRUE(l.allow("a.example", 10));
  EXPECT_FALSE(l.allow("a.example", 3599));
  EXPECT_TRUE(l.allow("b.example", 3599));
  EXPECT_TRUE(l.allow("a.example", 3600));  // a new window
}

TEST(FailureRateLimiter, MemoryIsBounded) {
  FailureRateLimiter l(1, 100);
  for (std::size_t i = 0; i < kMaxRateLimitedDomains; ++i) ASSERT_TRUE(l.allow("d" + std::to_string(i), 0));
  EXPECT_FALSE(l.allow("one-too-many.example", 50));  // every window still open
  EXPECT_TRUE(l.allow("one-too-many.example", 100));  // the old windows are dropped first
}

using testlib::failure_report;

bool has(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

TEST(FailureReport, ArfLayoutWithoutTheBody) {
  const std::string m = build_failure_report(failure_report());
  EXPECT_TRUE(has(m, "Content-Type: multipart/report; report-type=feedback-report; boundary=\"=_cachet_arf_abc123\""))
      << m;
  EXPECT_TRUE(has(m, "\nContent-Type: message/feedback-report\n\nFeedback-Type: auth-failure\nUser-Agent: cachet/"))
      << m;
  for (const char* field :
       {"Version: 1\n", "Original-Mail-From: <bounce@spoofer.example>\n",
        "Arrival-Date: Tue, 03 Mar 2026 04:05:06 +0000\n", "Source-IP: 192.0.2.9\n", "Reported-Domain: example.com\n",
        "Auth-Failure: dmarc\n", "Identity-Alignment: none\n", "DKIM-Domain: spoofer.example\n", "DKIM-Selector: s1\n",
        "Delivery-Result: reject\n", "Reporting-MTA: dns; mx.receiver.example\n"})
    EXPECT_TRUE(has(m, field)) << field << "\n" << m;
  EXPECT_TRUE(has(m,
                  "Content-Type: text/rfc822-headers\n\nReceived: from x\n\tby y\nFrom: <ceo@example.com>\n"
                  "Subject: pay now\n\n--=_cachet_arf_abc123--\n"))
      << m;
  EXPECT_FALSE(has(m, "secret body"));
  EXPECT_FALSE(has(m, "\r"));
}

TEST(FailureReport, HostileValuesStayOnTheirLine) {
  FailureReport r = failure_report();
  r.policy_domain = "example.com\nBcc: victim@evil.example";
  r.authentication_results = "x;\r\nFeedback-Type: abuse";
  r.original_headers = std::string(kMaxReportedHeaderBytes + 100, 'h');  // no line end at all
  const std::string m = build_failure_report(r);
  EXPECT_FALSE(has(m, "\nBcc:"));
  EXPECT_FALSE(has(m, "\nFeedback-Type: abuse"));
  EXPECT_FALSE(has(m, "hhhh"));  // an unterminated line is left out, not cut mid-way
}

}  // namespace
}  // namespace cachet::dmarc
