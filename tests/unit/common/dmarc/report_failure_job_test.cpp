// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_failure_job_test.cpp: when a decided message calls for a
// failure report (result, policy, FailureReportsOnNone, fo=, recipients) row by row, the
// facts of fo= from a decision, the ruf list as the rua reader reads it, and the job's
// ARF facts (header block bounded at a field boundary, the A-R of a rejected message).
#include "common/dmarc/report_failure_job.hpp"

#include <gtest/gtest.h>

namespace cachet::dmarc {
namespace {

Decision failing(std::string_view policy, std::string_view fo = "0") {
  Decision d;
  d.evaluated = true;
  d.result = "fail";
  d.policy = std::string(policy);
  d.from_domain = "example.com";
  d.policy_domain = "example.com";
  d.dkim_results = {{"spoofer.example", "s1", "fail"}, {"other.example", "s2", "pass"}};
  d.spf_domain = "spoofer.example";
  d.spf_result = "pass";
  Record r;
  r.p = Policy::reject;
  r.fo = std::string(fo);
  r.ruf = {{"mailto:ruf@example.com", std::nullopt}};
  d.published = r;
  d.auth_results = {"mx.test; dmarc=fail (p=reject dis=none) header.from=example.com"};
  return d;
}

MessageInput input() {
  MessageInput in;
  in.queue_id = "QID9";
  in.authserv_id = "mx.test";
  in.envelope_from = "<bounce@spoofer.example>";
  in.client_ip = "192.0.2.9";
  in.headers = {{"Received", "from x\r\n\tby y"}, {"From", "<ceo@example.com>"}, {"Subject", "pay now"}};
  return in;
}

struct DueCase {
  std::string_view name;
  Decision d;
  FailureReportOptions o;
  bool want;
};
class FailureReportDue : public ::testing::TestWithParam<DueCase> {};

TEST_P(FailureReportDue, AsOpendmarcAndFo) {
  const DueCase& c = GetParam();
  EXPECT_EQ(failure_job(c.o, input(), c.d, "mx.test", 1).has_value(), c.want) << c.name;
}

Decision with(Decision d, void (*change)(Decision&)) {
  change(d);
  return d;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, FailureReportDue,
    ::testing::Values(
        DueCase{"fail under p=reject", failing("reject"), {}, true},
        DueCase{"fail under p=quarantine", failing("quarantine"), {}, true},
        DueCase{"fail under p=none", failing("none"), {}, false},
        DueCase{"fail under p=none, OnNone", failing("none"), {true, false}, true},
        DueCase{"pass", with(failing("reject"), [](Decision& d) { d.result = "pass"; }), {}, false},
        DueCase{"temperror", with(failing("reject"), [](Decision& d) { d.result = "temperror"; }), {}, false},
        DueCase{"not evaluated", with(failing("reject"), [](Decision& d) { d.evaluated = false; }), {}, false},
        DueCase{"no record", with(failing("reject"), [](Decision& d) { d.published.reset(); }), {}, false},
        DueCase{"no ruf", with(failing("reject"), [](Decision& d) { d.published->ruf.clear(); }), {}, false},
        DueCase{
            "no ruf, Bcc", with(failing("reject"), [](Decision& d) { d.published->ruf.clear(); }), {false, true}, true},
        DueCase{"ruf not mailto",
                with(failing("reject"),
                     [](Decision& d) {
                       d.published->ruf = {{"https://x.example/r", {}}};
                     }),
                {},
                false},
        DueCase{"fo=d, a signature failed", failing("reject", "d"), {}, true},
        DueCase{"fo=d, no failed signature",
                with(failing("reject", "d"), [](Decision& d) { d.dkim_results.resize(0); }),
                {},
                false},
        DueCase{"fo=s, spf passed unaligned", failing("reject", "s"), {}, false},
        DueCase{
            "fo=s, spf failed", with(failing("reject", "s"), [](Decision& d) { d.spf_result = "softfail"; }), {}, true},
        DueCase{"fo=1", failing("reject", "1"), {}, true}));

TEST(FailureFacts, FromTheDecision) {
  Decision d = failing("reject");
  FailureFacts f = failure_facts(d);
  EXPECT_FALSE(f.dkim_aligned_pass);
  EXPECT_TRUE(f.any_dkim_fail);
  EXPECT_FALSE(f.spf_fail);
  d.dkim_results = {{"a.example", "", "none"}};
  d.spf_result = "none";  // no SPF record: nothing failed
  d.spf_aligned = true;
  f = failure_facts(d);
  EXPECT_FALSE(f.any_dkim_fail);
  EXPECT_FALSE(f.spf_fail);
  EXPECT_TRUE(f.spf_aligned_pass);
  d.spf_result = "permerror";
  EXPECT_TRUE(failure_facts(d).spf_fail);
}

TEST(RufTargets, ReadAsRuaIs) {
  Record r;
  r.ruf = {{"mailto:a@example.com", 10240},
           {"mailto:A@EXAMPLE.COM", std::nullopt},
           {"https://x.example/", std::nullopt},
           {"mailto:bad>@example.com", std::nullopt}};
  const RuaList got = ruf_targets(r);
  ASSERT_EQ(got.targets.size(), 1u);
  EXPECT_EQ(got.targets[0].address, "a@example.com");
  EXPECT_EQ(got.targets[0].max_bytes, 10240u);
  EXPECT_EQ(got.rejected.size(), 2u);
}

TEST(HeaderBlock, StopsAtAFieldBoundary) {
  const std::vector<std::pair<std::string, std::string>> h = {{"A", "1"}, {"B", "22"}};
  EXPECT_EQ(header_block(h, 100), "A: 1\nB: 22\n");
  EXPECT_EQ(header_block(h, 11), "A: 1\nB: 22\n");  // exactly at the limit
  EXPECT_EQ(header_block(h, 10), "A: 1\n");         // one byte short: the field is left out
  EXPECT_EQ(header_block(h, 0), "");
}

TEST(FailureJob, CarriesTheArfFacts) {
  const auto job = failure_job({}, input(), failing("reject"), "mx.test", 1772510706);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->queue_id, "QID9");
  ASSERT_EQ(job->targets.size(), 1u);
  EXPECT_EQ(job->targets[0].address, "ruf@example.com");
  const FailureReport& r = job->report;
  EXPECT_EQ(r.reporting_mta, "mx.test");
  EXPECT_EQ(r.policy_domain, "example.com");
  EXPECT_EQ(r.source_ip, "192.0.2.9");
  EXPECT_EQ(r.envelope_from, "<bounce@spoofer.example>");
  EXPECT_EQ(r.authentication_results, "mx.test; dmarc=fail (p=reject dis=none) header.from=example.com");
  EXPECT_EQ(r.identity_alignment, "none");
  EXPECT_EQ(r.dkim_domain, "spoofer.example");
  EXPECT_EQ(r.dkim_selector, "s1");
  EXPECT_EQ(r.delivery_result, "delivered");
  EXPECT_EQ(r.original_headers, "Received: from x\r\n\tby y\nFrom: <ceo@example.com>\nSubject: pay now\n");
  EXPECT_EQ(r.arrival, 1772510706);
}

TEST(FailureJob, RejectedMessageGetsTheFieldItWouldHaveHad) {
  Decision d = failing("reject");
  d.auth_results.clear();
  d.disposition = "reject";
  const auto job = failure_job({}, input(), d, "mx.test", 1);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->report.authentication_results, "mx.test; dmarc=fail (p=reject dis=reject) header.from=example.com");
  EXPECT_EQ(job->report.delivery_result, "reject");
}

TEST(FailureJob, HeaderBlockIsBounded) {
  MessageInput in = input();
  in.headers.emplace_back("X-Big", std::string(kMaxReportedHeaderBytes, 'x'));
  in.headers.emplace_back("X-After", "never");
  const auto job = failure_job({}, in, failing("reject"), "mx.test", 1);
  ASSERT_TRUE(job.has_value());
  EXPECT_LE(job->report.original_headers.size(), kMaxReportedHeaderBytes);
  EXPECT_EQ(job->report.original_headers.find("X-Big"), std::string::npos);
  EXPECT_EQ(job->report.original_headers.find("X-After"), std::string::npos);
}

}  // namespace
}  // namespace cachet::dmarc
