// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_failure_queue_test.cpp: FailureReporter over a zone
// resolver and a recording delivery: each authorized ruf target and each Bcc address gets
// one ARF message (s7.1: same organization or the _report._dmarc record; an unauthorized
// target and a DNS failure get nothing), the !size limit, the per-domain rate limit, a
// blocked delivery never blocks submit() and the queue bound drops (logged once), failures
// are logged, the destructor drops what is queued and says so.
#include "common/dmarc/report_failure_queue.hpp"

#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"

namespace cachet::dmarc {
namespace {

using namespace std::chrono_literals;

struct Sent {
  std::string from, to, message;
};

class RecordingDelivery final : public ReportDelivery {
 public:
  Result<void> deliver(const std::string& from, const std::string& to, const std::string&,
                       const std::string& message) override {
    if (gate.valid()) gate.wait();
    std::lock_guard<std::mutex> lock(mu);
    if (failing) return fail(Errc::temporary, "sendmail exit 75");
    sent.push_back({from, to, message});
    return {};
  }
  std::vector<Sent> got() {
    std::lock_guard<std::mutex> lock(mu);
    return sent;
  }
  std::mutex mu;
  std::vector<Sent> sent;
  bool failing = false;
  std::shared_future<void> gate;
};

class FailureReporterTest : public ::testing::Test {
 protected:
  FailureReporterTest() {
    zone->add_txt("example.com._report._dmarc.auth.example", {"v=DMARC1"});
    zone->set_servfail("example.com._report._dmarc.broken.example");
    auto psl = PublicSuffixList::parse("com\nexample\n");
    auto holder =
        std::make_shared<std::pair<PublicSuffixList, std::unique_ptr<PslOrgDomain>>>(std::move(*psl), nullptr);
    holder->second = std::make_unique<PslOrgDomain>(holder->first);
    sender->orgs = std::shared_ptr<const OrgDomainFinder>(holder, holder->second.get());
    sender->resolver = zone;
    sender->delivery = delivery;
    sender->sent_by = "DMARC <dmarc-failures@receiver.example>";
    sender->envelope_from = "dmarc-failures@receiver.example";
    sender->unique = [] { return std::string("u1"); };
    sender->now = [] { return std::int64_t{1772510800}; };
  }
  static FailureJob job(std::vector<std::string> ruf, std::string domain = "example.com") {
    FailureJob j;
    j.queue_id = "QID5";
    j.report.policy_domain = domain;
    j.report.reporting_mta = "mx.receiver.example";
    j.report.source_ip = "192.0.2.9";
    j.report.original_headers = "From: <ceo@" + domain + ">\nSubject: x\n";
    for (const std::string& r : ruf) j.targets.push_back(*parse_rua_target(r));
    return j;
  }
  std::vector<std::string> recipients() {
    std::vector<std::string> to;
    for (const Sent& s : delivery->got()) to.push_back(s.to);
    return to;
  }

  std::shared_ptr<dns::ZoneResolver> zone = std::make_shared<dns::ZoneResolver>();
  std::shared_ptr<RecordingDelivery> delivery = std::make_shared<RecordingDelivery>();
  std::shared_ptr<FailureSender> sender = std::make_shared<FailureSender>();
  log::CaptureLogger logger;
};

TEST_F(FailureReporterTest, AuthorizedTargetsAndBccGetOneMessageEach) {
  sender->bcc = {"copy@receiver.example"};
  FailureReporter r(logger);
  FailureJob j = job({"mailto:ruf@example.com", "mailto:ruf@sub.example.com", "mailto:ruf@auth.example",
                      "mailto:ruf@noauth.example", "mailto:ruf@broken.example"});
  j.refused = {"https://x.example/: scheme not supported (mailto: only)"};
  ASSERT_TRUE(r.submit(std::move(j), sender, 0));
  ASSERT_TRUE(r.wait_idle_for_test(10s));
  EXPECT_EQ(recipients(), (std::vector<std::string>{"ruf@example.com", "ruf@sub.example.com", "ruf@auth.example",
                                                    "copy@receiver.example"}));
  for (const Sent& s : delivery->got()) {
    EXPECT_EQ(s.from, "dmarc-failures@receiver.example");
    EXPECT_NE(s.message.find("\nTo: <" + s.to + ">\n"), std::string::npos) << s.message;
    EXPECT_EQ(s.message.rfind("From: DMARC <dmarc-failures@receiver.example>\n", 0), 0u) << s.message;
    EXPECT_NE(s.message.find("Feedback-Type: auth-failure\n"), std::string::npos);
  }
  EXPECT_TRUE(logger.contains("to=ruf@noauth.example outcome=unauthorized")) << logger.lines().size();
  EXPECT_TRUE(logger.contains("to=ruf@broken.example outcome=dns_error"));
  EXPECT_TRUE(logger.contains("outcome=refused"));
  EXPECT_TRUE(logger.contains("dmarc.failure_report qid=QID5 domain=example.com to=ruf@example.com outcome=sent"));
  const FailureReporter::Stats st = r.stats();
  EXPECT_EQ(st.sent, 4u);
  EXPECT_EQ(st.skipped, 2u);
}

TEST_F(FailureReporterTest, SizeLimitIsHonoured) {
  FailureReporter r(logger);
  ASSERT_TRUE(r.submit(job({"mailto:ruf@example.com!100", "mailto:big@example.com!1m"}), sender, 0));
  ASSERT_TRUE(r.wait_idle_for_test(10s));
  EXPECT_EQ(recipients(), (std::vector<std::string>{"big@example.com"}));
  EXPECT_TRUE(logger.contains("to=ruf@example.com outcome=too_big"));
}

TEST_F(FailureReporterTest, RateLimitPerPolicyDomainPerHour) {
  sender->per_hour = 2;
  FailureReporter r(logger);
  EXPECT_TRUE(r.submit(job({"mailto:ruf@example.com"}), sender, 100));
  EXPECT_TRUE(r.submit(job({"mailto:ruf@example.com"}), sender, 200));
  EXPECT_FALSE(r.submit(job({"mailto:ruf@example.com"}), sender, 300));
  EXPECT_TRUE(r.submit(job({"mailto:ruf@other.example"}, "other.example"), sender, 300));
  EXPECT_TRUE(r.submit(job({"mailto:ruf@example.com"}), sender, 100 + kFailureRateWindow));
  ASSERT_TRUE(r.wait_idle_for_test(10s));
  EXPECT_EQ(recipients().size(), 4u);
  EXPECT_EQ(r.stats().limited, 1u);
  EXPECT_TRUE(logger.contains("domain=example.com outcome=rate_limited"));
}

TEST_F(FailureReporterTest, BlockedDeliveryNeverBlocksSubmitAndTheQueueIsBounded) {
  std::promise<void> release;
  delivery->gate = release.get_future().share();
  sender->per_hour = 1000;
  {
    FailureReporter r(logger, 2);
    unsigned accepted = 0;
    for (int i = 0; i < 6; ++i) accepted += r.submit(job({"mailto:ruf@example.com"}), sender, i) ? 1 : 0;
    EXPECT_EQ(accepted, 2u);  // one in hand (or queued) and one queued
    EXPECT_EQ(r.stats().dropped, 4u);
    std::size_t warnings = 0;
    for (const std::string& l : logger.lines()) warnings += l.find("dmarc.failure_queue_full") != std::string::npos;
    EXPECT_EQ(warnings, 1u);
    release.set_value();
    ASSERT_TRUE(r.wait_idle_for_test(10s));
    EXPECT_EQ(r.stats().sent, 2u);
  }
}

TEST_F(FailureReporterTest, DeliveryFailureIsLoggedNotRetried) {
  delivery->failing = true;
  FailureReporter r(logger);
  ASSERT_TRUE(r.submit(job({"mailto:ruf@example.com"}), sender, 0));
  ASSERT_TRUE(r.wait_idle_for_test(10s));
  EXPECT_TRUE(logger.contains("to=ruf@example.com outcome=failed reason=\"sendmail exit 75\""));
  EXPECT_EQ(r.stats().failed, 1u);
}

TEST_F(FailureReporterTest, DestructorDropsWhatIsQueuedAndSaysSo) {
  std::promise<void> release;
  delivery->gate = release.get_future().share();
  sender->per_hour = 1000;
  auto r = std::make_unique<FailureReporter>(logger);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(r->submit(job({"mailto:ruf@example.com"}), sender, i));
  // The delivery stays blocked until the destructor has dropped the queue (and said so).
  std::thread releaser([&] {
    for (int i = 0; i < 10000 && !logger.contains("dmarc.failure_reports_lost"); ++i) std::this_thread::sleep_for(1ms);
    release.set_value();
  });
  r.reset();
  releaser.join();
  EXPECT_TRUE(logger.contains("dmarc.failure_reports_lost count=2") || logger.contains("count=3"));
}

}  // namespace
}  // namespace cachet::dmarc
