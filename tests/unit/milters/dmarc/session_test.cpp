// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dmarc/session_test.cpp: DmarcSession over FakeContext: the field is
// inserted at index 0, IgnoreHosts / IgnoreAuthenticatedClients skip, replies pass through,
// quarantine and CopyFailuresTo reach the MTA; plus the option table against the man page.
#include "milters/dmarc/session.hpp"

#include <fstream>
#include <mutex>
#include <sstream>

#include <gtest/gtest.h>

#include "common/dmarc/report_failure_queue.hpp"
#include "common/dns/zone_resolver.hpp"
#include "milters/dmarc/options.hpp"
#include "tests/lib/fake_context.hpp"

namespace cachet::dmarcd {
namespace {

class DmarcSessionTest : public ::testing::Test {
 protected:
  DmarcSessionTest() {
    dns.add_txt("_dmarc.reject.example", {"v=DMARC1; p=reject"});
    dns.add_txt("_dmarc.quar.example", {"v=DMARC1; p=quarantine"});
    ctx.macros = {{"i", "QID7"}, {"j", "mx.example.net"}};
  }
  void set(const DmarcSettings& s) {
    auto st = std::make_shared<DmarcState>();
    st->settings = s;
    state.store(st);
  }
  milter::Verdict message(const std::string& from, const std::string& ar = "") {
    DmarcSession session(SessionShared{&state, &logger, &dns}, conn);
    session.on_connect(ctx, conn);
    const std::string envfrom = "<b@reject.example>";
    session.on_envfrom(ctx, {envfrom});
    if (!ar.empty()) session.on_header(ctx, "Authentication-Results", " " + ar);
    session.on_header(ctx, "From", " " + from);
    return session.on_eom(ctx);
  }

  Swappable<const DmarcState> state;
  log::CaptureLogger logger;
  dns::ZoneResolver dns;
  testlib::FakeContext ctx;
  milter::ConnInfo conn{true, "client.example", milter::ConnInfo::Family::inet, "192.0.2.9", 25};
};

TEST_F(DmarcSessionTest, InsertsResultAtTopWithMtaName) {
  set(DmarcSettings{});
  EXPECT_TRUE(message("a@reject.example", "mx.example.net; dkim=pass header.d=reject.example").is_continue());
  ASSERT_EQ(ctx.changes.size(), 1u);
  EXPECT_EQ(ctx.changes[0].command, milter::wire::kRepInsHeader);
  EXPECT_EQ(ctx.changes[0].index, 0);
  EXPECT_EQ(ctx.changes[0].name, "Authentication-Results");
  EXPECT_EQ(ctx.changes[0].value, "mx.example.net; dmarc=pass (p=reject dis=none) header.from=reject.example");
}

// Found by fuzz_dmarc_session: a queue id with control bytes reached the field.
TEST_F(DmarcSessionTest, OddJobIdIsLeftOut) {
  DmarcSettings s;
  s.authserv_id_with_job_id = true;
  set(s);
  ctx.macros["i"] = std::string("Q\x03\0 x", 5);
  (void)message("a@reject.example");
  ASSERT_EQ(ctx.changes.size(), 1u);
  EXPECT_EQ(ctx.changes[0].value.rfind("mx.example.net; dmarc=fail", 0), 0u) << ctx.changes[0].value;
}

TEST_F(DmarcSessionTest, JobIdIsAppended) {
  DmarcSettings s;
  s.authserv_id_with_job_id = true;
  set(s);
  (void)message("a@reject.example");
  ASSERT_EQ(ctx.changes.size(), 1u);
  EXPECT_EQ(ctx.changes[0].value.rfind("mx.example.net/QID7; dmarc=fail", 0), 0u) << ctx.changes[0].value;
}

TEST_F(DmarcSessionTest, IgnoreHostsSkips) {
  DmarcSettings s;
  s.ignore_hosts = *config::parse_host_list({"192.0.2.0/24"});
  set(s);
  EXPECT_TRUE(message("a@reject.example").is_continue());
  EXPECT_TRUE(ctx.changes.empty());
}

TEST_F(DmarcSessionTest, AuthenticatedClientsSkipWhenAsked) {
  DmarcSettings s;
  s.ignore_authenticated = true;
  s.reject_failures = true;
  set(s);
  ctx.macros["{auth_authen}"] = "alice";
  EXPECT_TRUE(message("a@reject.example").is_continue());
  EXPECT_TRUE(ctx.changes.empty());
}

TEST_F(DmarcSessionTest, RejectReplyAndNoField) {
  DmarcSettings s;
  s.reject_failures = true;
  set(s);
  const milter::Verdict v = message("a@reject.example");
  EXPECT_EQ(v.code, "550");
  EXPECT_EQ(v.text, "rejected by DMARC policy for reject.example");
  EXPECT_TRUE(ctx.changes.empty());
  EXPECT_TRUE(logger.contains("dmarc.result qid=QID7"));
}

TEST_F(DmarcSessionTest, QuarantineAndCopy) {
  DmarcSettings s;
  s.hold_quarantined = true;
  s.copy_failures_to = "fail@mx.example.net";
  set(s);
  (void)message("a@quar.example");
  ASSERT_EQ(ctx.changes.size(), 3u);
  EXPECT_EQ(ctx.changes[1].command, milter::wire::kRepQuarantine);
  EXPECT_EQ(ctx.changes[2].command, milter::wire::kRepAddRcpt);
  EXPECT_EQ(ctx.changes[2].name, "<fail@mx.example.net>");
}

// Keeps what the session's history writer hands over.
class KeepingSink final : public dmarc::HistorySink {
 public:
  explicit KeepingSink(std::vector<dmarc::HistoryRecord>& out) : out_(out) {}
  Result<void> add_batch(std::span<const dmarc::HistoryRecord> records) override {
    out_.insert(out_.end(), records.begin(), records.end());
    return {};
  }
  std::string describe() const override { return "keeping"; }

 private:
  std::vector<dmarc::HistoryRecord>& out_;
};

class DmarcSessionHistoryTest : public DmarcSessionTest {
 protected:
  void with_history(DmarcSettings s) {
    auto st = std::make_shared<DmarcState>();
    st->settings = s;
    writer = std::make_shared<dmarc::HistoryWriter>(std::make_unique<KeepingSink>(kept), logger);
    st->history.push_back(writer);
    state.store(st);
  }
  std::vector<dmarc::HistoryRecord> kept;  // written by the writer's thread; read after wait_idle
  std::shared_ptr<dmarc::HistoryWriter> writer;
};

TEST_F(DmarcSessionHistoryTest, RecordsThePublishedPolicyAndSelector) {
  dns.add_txt("_dmarc.full.example",
              {"v=DMARC1; p=quarantine; sp=reject; adkim=s; pct=40; fo=1; rua=mailto:r@full.example"});
  with_history(DmarcSettings{});
  (void)message("a@full.example", "mx.example.net; dkim=pass header.d=full.example header.s=sel9");
  ASSERT_TRUE(writer->wait_idle_for_test(std::chrono::seconds(10)));
  ASSERT_EQ(kept.size(), 1u);
  const dmarc::HistoryRecord& r = kept[0];
  EXPECT_EQ(r.job_id, "QID7");
  EXPECT_EQ(r.reporter, "mx.example.net");
  EXPECT_EQ(r.source_ip, "192.0.2.9");
  EXPECT_EQ(r.result, "pass");
  EXPECT_EQ(r.dkim, "full.example:sel9:pass");
  EXPECT_EQ(r.p, "quarantine");
  EXPECT_EQ(r.sp, "reject");
  EXPECT_EQ(r.adkim, "s");
  EXPECT_EQ(r.pct, 40);
  EXPECT_EQ(r.fo, "1");
  EXPECT_EQ(r.rua, "mailto:r@full.example");
}

// One look-up of the j macro serves both: a configured AuthservID names our field, the
// history's reporter stays the MTA's name.
TEST_F(DmarcSessionHistoryTest, ConfiguredAuthservIdLeavesTheReporterTheMtaName) {
  DmarcSettings s;
  s.authserv_id = "auth.example";
  with_history(s);
  (void)message("a@reject.example", "auth.example; dkim=pass header.d=reject.example");
  ASSERT_TRUE(writer->wait_idle_for_test(std::chrono::seconds(10)));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].reporter, "mx.example.net");
  EXPECT_EQ(kept[0].result, "pass");  // the A-R field of our configured id was trusted
  ASSERT_FALSE(ctx.changes.empty());
  EXPECT_EQ(ctx.changes[0].value.rfind("auth.example; dmarc=pass", 0), 0u) << ctx.changes[0].value;
}

TEST_F(DmarcSessionHistoryTest, DomainsWithoutRecordOnlyWithRecordAllMessages) {
  with_history(DmarcSettings{});
  (void)message("a@nodmarc.example");
  ASSERT_TRUE(writer->wait_idle_for_test(std::chrono::seconds(10)));
  EXPECT_TRUE(kept.empty());
  DmarcSettings all;
  all.record_all_messages = true;
  with_history(all);
  (void)message("a@nodmarc.example");
  ASSERT_TRUE(writer->wait_idle_for_test(std::chrono::seconds(10)));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].result, "none");
  EXPECT_EQ(kept[0].p, "");
}

TEST_F(DmarcSessionHistoryTest, RejectedMailIsRecordedWithItsDisposition) {
  DmarcSettings s;
  s.reject_failures = true;
  with_history(s);
  EXPECT_EQ(message("a@reject.example").code, "550");
  ASSERT_TRUE(writer->wait_idle_for_test(std::chrono::seconds(10)));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].disposition, "reject");
  EXPECT_EQ(kept[0].envelope_from, "<b@reject.example>");
}

// Keeps what the failure reporter hands to sendmail.
class KeepingDelivery final : public dmarc::ReportDelivery {
 public:
  Result<void> deliver(const std::string&, const std::string& to, const std::string&,
                       const std::string& message) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.emplace_back(to, message);
    return {};
  }
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> sent;  // read after wait_idle
};

class DmarcSessionFailureTest : public DmarcSessionTest {
 protected:
  void with_failure_reports(DmarcSettings s) {
    zone->add_txt("_dmarc.ruf.example", {"v=DMARC1; p=reject; ruf=mailto:f@ruf.example"});
    auto sender = std::make_shared<dmarc::FailureSender>();
    sender->resolver = zone;
    auto orgs = std::make_shared<const dmarc::TreeWalkOrgDomain>(*zone);
    sender->orgs = orgs;
    sender->delivery = delivery;
    sender->sent_by = "dmarc@mx.example.net";
    sender->envelope_from = "dmarc@mx.example.net";
    sender->unique = [] { return std::string("u"); };
    sender->now = [] { return std::int64_t{0}; };
    auto f = std::make_shared<FailureState>();
    f->sender = sender;
    f->reporter = reporter;
    auto st = std::make_shared<DmarcState>();
    st->settings = s;
    st->failure = f;
    state.store(st);
  }
  std::shared_ptr<dns::ZoneResolver> zone = std::make_shared<dns::ZoneResolver>();
  std::shared_ptr<KeepingDelivery> delivery = std::make_shared<KeepingDelivery>();
  std::shared_ptr<dmarc::FailureReporter> reporter = std::make_shared<dmarc::FailureReporter>(logger);
};

TEST_F(DmarcSessionFailureTest, FailingMailOfARufDomainIsReportedWithItsHeaders) {
  dns.add_txt("_dmarc.ruf.example", {"v=DMARC1; p=reject; ruf=mailto:f@ruf.example"});
  with_failure_reports(DmarcSettings{});
  EXPECT_TRUE(message("ceo@ruf.example").is_continue());                               // report only: still accepted
  (void)message("ceo@ruf.example", "mx.example.net; dkim=pass header.d=ruf.example");  // a pass: no report
  ASSERT_TRUE(reporter->wait_idle_for_test(std::chrono::seconds(10)));
  std::lock_guard<std::mutex> lock(delivery->mu);
  ASSERT_EQ(delivery->sent.size(), 1u);
  EXPECT_EQ(delivery->sent[0].first, "f@ruf.example");
  EXPECT_NE(delivery->sent[0].second.find("Content-Type: text/rfc822-headers\n\nFrom:  ceo@ruf.example\n"),
            std::string::npos)
      << delivery->sent[0].second;
  // (The fixture's value keeps its leading space: FakeContext does not announce it.)
  EXPECT_NE(delivery->sent[0].second.find("Original-Mail-From: <b@reject.example>\n"), std::string::npos);
}

TEST(DmarcOptions, EveryOptionIsInTheManPageWithItsDefault) {
  std::ifstream in(std::string(CACHET_SOURCE_DIR) + "/milters/dmarc/cachet-dmarc.8.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string man = ss.str();
  for (const config::OptionSpec& o : kDmarcOptions) {
    const std::string row = "| " + std::string(o.name) + " | " + std::string(o.default_value) + " |";
    EXPECT_NE(man.find(row), std::string::npos) << row;
  }
}

}  // namespace
}  // namespace cachet::dmarcd
