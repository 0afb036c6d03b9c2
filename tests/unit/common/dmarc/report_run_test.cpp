// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_run_test.cpp: whole `dmarc-report send` runs over a SQLite
// history + ledger with a fake DNS and a fake delivery: who gets a report (same org,
// authorized, not authorized, DNS trouble, over !size, garbage URIs), nothing sent twice,
// failures retried, dry runs leave no trace, a run claimed elsewhere sends nothing.
#include "common/dmarc/report_run.hpp"

#include <gtest/gtest.h>

#include "common/dmarc/report_ledger.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

struct FakeDelivery : ReportDelivery {
  Result<void> deliver(const std::string& from, const std::string& to, const std::string& stem,
                       const std::string& message) override {
    if (to == failing) return fail(Errc::temporary, "sendmail exit 75");
    sent.push_back(to);
    EXPECT_EQ(from, "dmarc@receiver.example");
    EXPECT_NE(stem.find("receiver.example!example.com!86400!172799!"), std::string::npos) << stem;
    EXPECT_NE(message.find("Subject: Report Domain: example.com Submitter: receiver.example"), std::string::npos);
    return {};
  }
  std::vector<std::string> sent;
  std::string failing;
};

class ReportRun : public ::testing::Test {
 protected:
  ReportRun() : dir_("run"), psl_(*PublicSuffixList::parse("com\nnet\nexample\n")), orgs_(psl_) {
    const std::string db = dir_.file("h.sqlite");
    store_ = std::move(*open_history_store(db));
    ledger_ = std::move(*open_report_ledger(db));
    for (std::int64_t t : {86400, 86500, 90000}) {
      HistoryRecord r = testlib::history_record(t, "192.0.2.1", t != 90000);
      r.rua =
          "mailto:same@reports.example.com mailto:ok@ext.net mailto:no@nope.net mailto:later@flaky.net "
          "mailto:tiny@ext.net!1k https://x.example/r junk";
      EXPECT_TRUE(store_->add(r).has_value());
    }
    dns_.add_txt("example.com._report._dmarc.ext.net", {"v=DMARC1"});
    dns_.set_timeout("example.com._report._dmarc.flaky.net");
    opt_.report_email = "dmarc@receiver.example";
    opt_.report_org = "Receiver";
    opt_.since = 86400;
    opt_.now = 172800 + 100;
    opt_.owner = "test";
    opt_.unique = [] { return std::string("u"); };
  }
  ReportRunStats run() {
    auto got = run_aggregate_reports(opt_, *store_, *ledger_, *resolver_, orgs_, delivery_, log_);
    EXPECT_TRUE(got.has_value()) << got.error().detail;
    return got.value_or(ReportRunStats{});
  }

  testlib::TempDir dir_;
  PublicSuffixList psl_;
  PslOrgDomain orgs_;
  std::unique_ptr<HistoryStore> store_;
  std::unique_ptr<ReportLedger> ledger_;
  dns::ZoneResolver dns_, fixed_dns_;
  dns::ZoneResolver* resolver_ = &dns_;
  FakeDelivery delivery_;
  log::CaptureLogger log_;
  ReportRunOptions opt_;
};

TEST_F(ReportRun, SendsWhereAllowedAndSaysWhyNotElsewhere) {
  const ReportRunStats s = run();
  EXPECT_EQ(s.reports, 1u);
  EXPECT_EQ(delivery_.sent, (std::vector<std::string>{"same@reports.example.com", "ok@ext.net"}));
  EXPECT_EQ(s.sent, 2u);
  EXPECT_EQ(s.skipped, 2u);  // nope.net not authorized, tiny@ over 1k
  EXPECT_EQ(s.failed, 1u);   // flaky.net: DNS timeout, try later
  EXPECT_TRUE(log_.contains("dmarc-report.skipped")) << log_.lines().front();
  EXPECT_TRUE(log_.contains("exceeds the limit of 1024 bytes"));
  EXPECT_TRUE(log_.contains("external destination not authorized"));
  EXPECT_TRUE(log_.contains("scheme not supported"));
  const auto outcomes = ledger_->outcomes("example.com", {86400, 172800});
  ASSERT_TRUE(outcomes.has_value());
  EXPECT_EQ(outcomes->size(), 5u);
  EXPECT_EQ(outcomes->at("later@flaky.net"), SendOutcome::failed);
}

TEST_F(ReportRun, RerunSendsNothingTwiceAndRetriesFailures) {
  delivery_.failing = "ok@ext.net";
  run();
  EXPECT_EQ(delivery_.sent, (std::vector<std::string>{"same@reports.example.com"}));
  delivery_.failing.clear();
  fixed_dns_.add_txt("example.com._report._dmarc.ext.net", {"v=DMARC1"});
  fixed_dns_.add_txt("example.com._report._dmarc.flaky.net", {"v=DMARC1"});  // recovered
  resolver_ = &fixed_dns_;
  delivery_.sent.clear();
  ReportRunStats s = run();
  EXPECT_EQ(delivery_.sent, (std::vector<std::string>{"ok@ext.net", "later@flaky.net"}));
  EXPECT_EQ(s.already, 3u);
  delivery_.sent.clear();
  s = run();  // everything final: the claim is done, nothing is even built
  EXPECT_TRUE(delivery_.sent.empty());
  EXPECT_EQ(s.reports, 0u);
  EXPECT_EQ(s.claimed_elsewhere, 1u);
}

TEST_F(ReportRun, DryRunLeavesNoTrace) {
  opt_.dry_run = true;
  const ReportRunStats s = run();
  EXPECT_TRUE(delivery_.sent.empty());
  EXPECT_EQ(s.sent, 2u);
  EXPECT_TRUE(ledger_->outcomes("example.com", {86400, 172800})->empty());
  opt_.dry_run = false;
  run();
  EXPECT_EQ(delivery_.sent.size(), 2u);
}

TEST_F(ReportRun, ClaimedByAnotherHostSendsNothing) {
  ASSERT_TRUE(ledger_->claim("example.com", {86400, 172800}, "other-host", opt_.now, 3600).value());
  const ReportRunStats s = run();
  EXPECT_TRUE(delivery_.sent.empty());
  EXPECT_EQ(s.claimed_elsewhere, 1u);
}

TEST_F(ReportRun, UnfinishedPeriodsAndOtherDomainsWait) {
  opt_.now = 172800 - 1;  // the day is not over
  EXPECT_EQ(run().reports, 0u);
  opt_.now = 172800 + 100;
  opt_.only_domain = "example.org";
  EXPECT_EQ(run().reports, 0u);
  EXPECT_TRUE(delivery_.sent.empty());
}

TEST_F(ReportRun, MissingReportAddressIsAConfigError) {
  opt_.report_email = "nobody";
  auto got = run_aggregate_reports(opt_, *store_, *ledger_, dns_, orgs_, delivery_, log_);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
}

}  // namespace
}  // namespace cachet::dmarc
