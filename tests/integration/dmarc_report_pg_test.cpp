// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_report_pg_test.cpp: `cachetctl dmarc-report send` on a fleet's
// PostgreSQL history (tests/lib/pg_server.hpp, a real server on a UNIX socket): two
// "hosts" write history side by side, then four send runs start at once; every domain's
// report reaches each recipient exactly once, the ledger (reports_sent, report_claims)
// says so, and a later run sends nothing. Then the same with two real cachet-dmarc
// daemons writing the history. Skipped, with the reason, without the server.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/dmarc/history.hpp"
#include "common/dmarc/report_ledger.hpp"
#include "tests/integration/dmarc_harness.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/pg_server.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::int64_t kDay = 86400;
constexpr int kDomains = 12, kRuns = 4;

class PgReportSend : public cachet::testlib::PgServerSuite {
 protected:
  void SetUp() override {
    PgServerSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(server_->psql("DROP TABLE IF EXISTS messages, reports_sent, report_claims"));
  }
  cachet::testlib::TempDir dir_{"report-pg"};
};

TEST_F(PgReportSend, ConcurrentRunsSendEachReportExactlyOnce) {
  // Two MX hosts, each with its own store object (connection), writing the same day.
  auto mx1 = cachet::dmarc::open_history_store(server_->conninfo());
  auto mx2 = cachet::dmarc::open_history_store(server_->conninfo());
  ASSERT_TRUE(mx1.has_value() && mx2.has_value());
  for (int d = 0; d < kDomains; ++d) {
    for (int i = 0; i < 4; ++i) {
      cachet::dmarc::HistoryRecord r =
          cachet::testlib::history_record(kDay + d * 60 + i, "192.0.2." + std::to_string(i), i % 2);
      r.policy_domain = r.header_from = "d" + std::to_string(d) + ".example.com";
      r.rua = "mailto:a@" + r.policy_domain + " mailto:b@" + r.policy_domain;
      r.reporter = i % 2 ? "mx1" : "mx2";
      ASSERT_TRUE((i % 2 ? *mx1 : *mx2)->add(r).has_value());
    }
  }
  fs::create_directory(dir_.file("mail"));
  const std::string sendmail = dir_.write("sendmail", "#!/bin/sh\nn=$(mktemp " + dir_.file("mail") +
                                                          "/m.XXXXXX)\necho \"$@\" > \"$n.args\"\ncat > \"$n.eml\"\n");
  fs::permissions(sendmail, fs::perms::owner_all);
  const std::string conf = dir_.write("dmarc.conf", "HistoryDatabase " + server_->conninfo() +
                                                        "\nReportEmail dmarc@receiver.example\nPublicSuffixList " +
                                                        dir_.write("psl.dat", "com\n") + "\nNameservers 127.0.0.1:9\n");
  const std::vector<std::string> argv{std::string(CACHET_BIN_DIR) + "/cachetctl",
                                      "dmarc-report",
                                      "send",
                                      "-c",
                                      conf,
                                      "--since",
                                      std::to_string(kDay),
                                      "--now",
                                      std::to_string(2 * kDay),
                                      "--sendmail",
                                      sendmail};
  std::vector<cachet::testlib::CommandResult> results(kRuns);
  std::vector<std::thread> runs;
  for (int i = 0; i < kRuns; ++i)
    runs.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] =
          cachet::testlib::run_command(argv).value_or(cachet::testlib::CommandResult{});
    });
  for (std::thread& t : runs) t.join();
  for (const auto& r : results) EXPECT_EQ(r.exit_code, 0) << r.err;

  std::map<std::string, int> per_recipient;
  for (const auto& e : fs::directory_iterator(dir_.file("mail"))) {
    if (e.path().extension() != ".args") continue;
    std::ifstream in(e.path());
    std::string line;
    std::getline(in, line);
    ++per_recipient[line.substr(line.rfind(' ') + 1)];
  }
  EXPECT_EQ(per_recipient.size(), static_cast<std::size_t>(2 * kDomains));
  for (const auto& [rcpt, n] : per_recipient) EXPECT_EQ(n, 1) << rcpt << " got " << n << " reports";
  EXPECT_EQ(server_->psql("SELECT count(*) FROM reports_sent WHERE outcome = 'sent'").value_or(""),
            std::to_string(2 * kDomains) + "\n");
  EXPECT_EQ(server_->psql("SELECT count(*) FROM report_claims WHERE done = 1 AND owner = ''").value_or(""),
            std::to_string(kDomains) + "\n");

  const auto again = cachet::testlib::run_command(argv);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->exit_code, 0) << again->err;
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_.file("mail"))) files += e.path().extension() == ".eml";
  EXPECT_EQ(files, static_cast<std::size_t>(2 * kDomains));
}

// Two cachet-dmarc daemons (two MX hosts) record into one database; two send runs at once
// produce one report for the domain and day, counting every message of both hosts.
TEST_F(PgReportSend, TwoDaemonsOneReport) {
  cachet::testlib::DmarcHarness mx1, mx2;
  mx1.history_database = mx2.history_database = server_->conninfo();
  mx1.start();
  mx2.start();
  for (int i = 0; i < 3; ++i) (void)mx1.send(cachet::testlib::DmarcHarness::message("a@reject.example"));
  for (int i = 0; i < 2; ++i) (void)mx2.send(cachet::testlib::DmarcHarness::message("b@reject.example"));
  ASSERT_TRUE(cachet::testlib::eventually([&] {
    return server_->psql("SELECT count(*) FROM messages").value_or("") == "5\n";
  })) << mx1.log()
      << mx2.log();
  const std::int64_t now = std::time(nullptr), tomorrow = now - now % kDay + kDay + 60;
  fs::create_directory(dir_.file("mail"));
  const std::string sendmail = dir_.write("sendmail", "#!/bin/sh\nn=$(mktemp " + dir_.file("mail") +
                                                          "/m.XXXXXX)\necho \"$@\" > \"$n.args\"\ncat > \"$n.eml\"\n");
  fs::permissions(sendmail, fs::perms::owner_all);
  const std::string conf =
      dir_.write("dmarc.conf", "HistoryDatabase " + server_->conninfo() +
                                   "\nReportEmail dmarc@receiver.example\nNameservers 127.0.0.1:9\n");
  const std::vector<std::string> argv{std::string(CACHET_BIN_DIR) + "/cachetctl",
                                      "dmarc-report",
                                      "send",
                                      "-c",
                                      conf,
                                      "--now",
                                      std::to_string(tomorrow),
                                      "--sendmail",
                                      sendmail,
                                      "--format",
                                      "rfc7489"};
  cachet::testlib::CommandResult a, b;
  std::thread ta([&] { a = cachet::testlib::run_command(argv).value_or(cachet::testlib::CommandResult{}); });
  std::thread tb([&] { b = cachet::testlib::run_command(argv).value_or(cachet::testlib::CommandResult{}); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  std::vector<std::string> reports;
  for (const auto& e : fs::directory_iterator(dir_.file("mail")))
    if (e.path().extension() == ".eml") reports.push_back(e.path());
  ASSERT_EQ(reports.size(), 1u) << a.err << b.err;
  std::ifstream in(reports[0]);
  const std::string eml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(eml.find("To: <agg@reject.example>"), std::string::npos) << eml;
  EXPECT_NE(eml.find("Report Domain: reject.example "), std::string::npos) << eml;
  EXPECT_EQ(server_->psql("SELECT recipient, outcome FROM reports_sent").value_or(""), "agg@reject.example|sent\n");
}

}  // namespace
