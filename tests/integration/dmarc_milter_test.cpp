// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_milter_test.cpp: the real cachet-dmarc binary (build/bin), driven
// by the project's milter client, with DMARC records served by a loopback DnsServer
// (dmarc_harness.hpp). One daemon per test in a temp dir, killed by pid at the end; every
// wait polls a condition.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/dmarc/store/history_sqlite.hpp"
#include "tests/integration/dmarc_harness.hpp"
#include "tests/lib/http_get.hpp"
#include "tests/lib/run_command.hpp"

namespace {

using cachet::testlib::DmarcHarness;
using cachet::testlib::eventually;
using cachet::testlib::Transaction;

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t i = 0; (i = hay.find(needle, i)) != std::string::npos; i += needle.size()) ++n;
  return n;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DmarcMilter : public ::testing::Test {
 protected:
  DmarcHarness h;
};

TEST_F(DmarcMilter, PassWithTrustedAuthResults) {
  h.start();
  const Transaction t = h.send(DmarcHarness::message(
      "a@reject.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example"}}));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(DmarcHarness::ar(t).find("mx.test; dmarc=pass (p=reject dis=none) header.from=reject.example"),
            std::string::npos)
      << DmarcHarness::ar(t);
  EXPECT_TRUE(h.log_has("dmarc.result qid=QID1 from=reject.example result=pass")) << h.log();
}

TEST_F(DmarcMilter, HistoryFeedsTheAggregateReport) {
  h.start();
  (void)h.send(DmarcHarness::message(
      "a@reject.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example header.s=sel"}}));
  ASSERT_TRUE(h.log_has("dmarc.result qid=QID1")) << h.log();
  cachet::dmarc::SqliteHistoryStore store(h.history_database);
  std::vector<cachet::dmarc::HistoryRecord> rows;
  ASSERT_TRUE(eventually([&] {  // written by the daemon's history thread
    auto got = store.range(0, 4102444800);
    if (got) rows = *got;
    return rows.size() == 1;
  }));
  EXPECT_EQ(rows[0].result, "pass");
  EXPECT_TRUE(rows[0].dkim_aligned);
  EXPECT_EQ(rows[0].p, "reject");
  EXPECT_EQ(rows[0].rua, "mailto:agg@reject.example");
  EXPECT_EQ(rows[0].reporter, "mx.test");
  auto out = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachetctl", "dmarc-report", "--db",
                                           h.history_database, "--from", "0", "--to", "4102444800", "--org", "Test",
                                           "--email", "dmarc@mx.test"});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->exit_code, 0) << out->err;
  EXPECT_NE(out->out.find("<header_from>reject.example</header_from>"), std::string::npos) << out->out;
  EXPECT_NE(
      out->out.find("<domain>reject.example</domain>\n        <selector>sel</selector>\n        <result>pass</result>"),
      std::string::npos)
      << out->out;
  EXPECT_NE(out->out.find("<p>reject</p>\n    <sp>reject</sp>\n    <psd>u</psd>\n    <fo>0</fo>"), std::string::npos)
      << out->out;
}

TEST_F(DmarcMilter, MetricsCountResultsDnsAndHistory) {
  h.start("MetricsListen 127.0.0.1:0\nHistoryFile " + h.dir.file("opendmarc.history") + "\n");
  ASSERT_TRUE(eventually([&] { return h.log().find("metrics.listening") != std::string::npos; })) << h.log();
  const std::string log = h.log();
  const int port = std::stoi(log.substr(log.find("port=", log.find("metrics.listening")) + 5));
  (void)h.send(DmarcHarness::message("a@reject.example",
                                     {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example"}}));
  (void)h.send(DmarcHarness::message("a@reject.example"));
  ASSERT_TRUE(eventually([&] { return count(slurp(h.dir.file("opendmarc.history")), "\naction ") == 2; }));
  ASSERT_TRUE(eventually([&] { return count(h.log(), "dmarc.result ") == 2; })) << h.log();
  // Two history writers (the harness's HistoryDatabase and the HistoryFile): wait until
  // both have written.
  cachet::Result<std::string> body = std::string();
  ASSERT_TRUE(eventually([&] {
    body = cachet::testlib::http_get(port, "/metrics");
    return body && body->find("cachet_dmarc_history_pending 0\n") != std::string::npos;
  })) << (body ? *body : body.error().detail);
  for (const char* want :
       {"cachet_dmarc_results_total{result=\"pass\"} 1\n", "cachet_dmarc_results_total{result=\"fail\"} 1\n",
        "cachet_dmarc_dispositions_total{disposition=\"none\"} 2\n", "cachet_dmarc_history_written_total 4\n",
        "cachet_dmarc_history_dropped_total 0\n", "cachet_dmarc_history_pending 0\n",
        "cachet_dns_cache_hits_total 1\n"})
    EXPECT_NE(body->find(want), std::string::npos) << want << " in\n" << *body;
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    const auto check = cachet::testlib::run_command({"/usr/bin/promtool", "check", "metrics"}, *body);
    ASSERT_TRUE(check);
    EXPECT_EQ(check->exit_code, 0) << check->out << check->err;
  }
}

TEST_F(DmarcMilter, DomainsWithoutRecordRecordedOnlyWithRecordAllMessages) {
  h.start("HistoryFile " + h.dir.file("opendmarc.history") + "\n");
  (void)h.send(DmarcHarness::message("a@nodmarc.example"));
  (void)h.send(DmarcHarness::message("a@reject.example"));
  ASSERT_TRUE(eventually([&] { return count(slurp(h.dir.file("opendmarc.history")), "\naction ") == 1; }))
      << slurp(h.dir.file("opendmarc.history"));
  h.reload("HistoryFile " + h.dir.file("opendmarc.history") + "\nRecordAllMessages yes\n");
  ASSERT_TRUE(eventually([&] { return count(h.log(), "dmarc.state_loaded") >= 2; })) << h.log();
  (void)h.send(DmarcHarness::message("a@nodmarc.example"));
  ASSERT_TRUE(eventually([&] { return count(slurp(h.dir.file("opendmarc.history")), "\naction ") == 2; }));
  EXPECT_NE(slurp(h.dir.file("opendmarc.history")).find("\nfrom nodmarc.example\n"), std::string::npos);
}

TEST_F(DmarcMilter, WritesOpendmarcHistoryFile) {
  h.start("HistoryFile " + h.dir.file("opendmarc.history") + "\nRejectFailures yes\n");
  auto m = DmarcHarness::message("a@reject.example");
  m.client_addr = "198.51.100.7";
  EXPECT_EQ(h.send(m).final_command, 'y');
  std::string text;
  ASSERT_TRUE(
      eventually([&] { return (text = slurp(h.dir.file("opendmarc.history"))).find("action ") != std::string::npos; }));
  const std::string received =
      text.substr(text.find("received "), text.find('\n', text.find("received ")) - text.find("received ") + 1);
  EXPECT_EQ(text, "job QID1\nreporter mx.test\n" + received +
                      "ipaddr 198.51.100.7\nfrom reject.example\nmfrom reject.example\nspf -1\n"
                      "pdomain reject.example\npolicy 16\nrua mailto:agg@reject.example\npct 100\nadkim 114\n"
                      "aspf 114\np 114\nsp 0\nalign_dkim 5\nalign_spf 5\narc 7\narc_policy 2 json:[]\naction 0\n");
}

TEST_F(DmarcMilter, UnreachableHistoryDatabaseNeverHoldsMail) {
  h.history_database = "host=" + h.dir.file("no-such-server") + " dbname=dmarc connect_timeout=2";
  h.start("RejectFailures yes\n");
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(h.send(DmarcHarness::message("a@none.example")).accepted());
  EXPECT_TRUE(h.log_has("dmarc.history_unavailable")) << h.log();
  EXPECT_EQ(count(h.log(), "dmarc.history_unavailable"), 1u) << h.log();
}

TEST_F(DmarcMilter, PasswordInHistoryDatabaseIsAConfigError) {
  h.start_dns();
  const std::string conf = h.dir.write(
      "bad.conf", "Socket unix:" + h.socket() + "\nHistoryDatabase postgresql://cachet:secret@db.example/dmarc\n");
  auto r = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "-n", "-c", conf});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 78);
  EXPECT_NE(r->err.find("HistoryDatabase: a password does not belong"), std::string::npos) << r->err;
}

// The default HistoryDatabase is a path; "none" turns it off (no empty value in the syntax).
// A missing directory is a warning from -n: the daemon starts and loses only the history.
TEST_F(DmarcMilter, HistoryDatabaseNoneAndMissingDirectory) {
  h.start_dns();
  const std::string none = h.dir.write("none.conf", "Socket unix:" + h.socket() + "\nHistoryDatabase none\n");
  auto r = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "-n", "-c", none});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->err.find("HistoryDatabase"), std::string::npos) << r->err;
  const std::string missing = h.dir.write(
      "missing.conf", "Socket unix:" + h.socket() + "\nHistoryDatabase " + h.dir.file("no-such-dir") + "/h.sqlite\n");
  r = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "-n", "-c", missing});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->err.find("HistoryDatabase: directory " + h.dir.file("no-such-dir") + " does not exist"),
            std::string::npos)
      << r->err;
  EXPECT_NE(r->err.find("set HistoryDatabase none"), std::string::npos) << r->err;
}

TEST_F(DmarcMilter, HistoryDatabaseNoneRecordsNothing) {
  h.history_database = "none";
  h.start();
  EXPECT_TRUE(h.send(DmarcHarness::message("a@reject.example")).accepted());
  h.daemon->signal(SIGTERM);  // a writer would flush (or log history_lost) before the exit
  ASSERT_EQ(h.daemon->wait_exit(), 0) << h.log();
  EXPECT_EQ(h.log().find("dmarc.history"), std::string::npos) << h.log();
}

TEST_F(DmarcMilter, HistoryDatabaseInAMissingDirectoryWarnsAndStillServes) {
  h.history_database = h.dir.file("no-such-dir") + "/h.sqlite";
  h.start();
  EXPECT_TRUE(h.send(DmarcHarness::message("a@reject.example")).accepted());
  EXPECT_TRUE(h.log_has("does not exist: no history is recorded")) << h.log();
}

TEST_F(DmarcMilter, FailAddsFieldOnlyByDefault) {
  h.start();
  const Transaction t = h.send(DmarcHarness::message("a@reject.example"));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(DmarcHarness::ar(t).find("dmarc=fail (p=reject dis=none) header.from=reject.example"), std::string::npos)
      << DmarcHarness::ar(t);
}

TEST_F(DmarcMilter, RejectFailuresRefuses) {
  h.start("RejectFailures yes\n");
  const Transaction t = h.send(DmarcHarness::message("a@reject.example"));
  EXPECT_EQ(t.final_command, 'y');
  EXPECT_NE(t.reply_text.find("550 5.7.1 rejected by DMARC policy for reject.example"), std::string::npos)
      << t.reply_text;
}

TEST_F(DmarcMilter, UntrustedAuthResultsIgnored) {
  h.start();
  const Transaction t = h.send(DmarcHarness::message(
      "a@reject.example", {{"Authentication-Results", " evil.example; dkim=pass header.d=reject.example"}}));
  EXPECT_NE(DmarcHarness::ar(t).find("dmarc=fail"), std::string::npos) << DmarcHarness::ar(t);
}

TEST_F(DmarcMilter, ForgedReceivedSpfIgnored) {
  h.start();
  const Transaction t = h.send(DmarcHarness::message(
      "a@reject.example",
      {{"Received-SPF", " Pass identity=helo; helo=reject.example; envelope-from=bounce@reject.example"}}));
  EXPECT_NE(DmarcHarness::ar(t).find("dmarc=fail"), std::string::npos) << DmarcHarness::ar(t);
}

TEST_F(DmarcMilter, MultiDomainFromNotAPass) {
  h.start();
  const Transaction t =
      h.send(DmarcHarness::message("ceo@reject.example, x@attacker.example",
                                   {{"Authentication-Results", " mx.test; dkim=pass header.d=attacker.example"}}));
  EXPECT_EQ(DmarcHarness::ar(t).find("dmarc=pass"), std::string::npos) << DmarcHarness::ar(t);
}

TEST_F(DmarcMilter, DnsTimeoutIsTemperror) {
  h.start();
  const Transaction t = h.send(DmarcHarness::message(
      "a@slow.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=slow.example"}}));
  EXPECT_TRUE(t.accepted());
  EXPECT_NE(DmarcHarness::ar(t).find("dmarc=temperror"), std::string::npos) << DmarcHarness::ar(t);
}

TEST_F(DmarcMilter, ReloadTurnsEnforcementOn) {
  h.start();
  EXPECT_TRUE(h.send(DmarcHarness::message("a@reject.example")).accepted());
  h.reload("RejectFailures yes\n");
  ASSERT_TRUE(eventually([&] { return count(h.log(), "dmarc.state_loaded") >= 2; })) << h.log();
  EXPECT_EQ(h.send(DmarcHarness::message("a@reject.example")).final_command, 'y');
}

}  // namespace
