// SPDX-License-Identifier: BSD-2-Clause
//
// tests/soak/history_soak_test.cpp: cachet-dmarc's history under load when its database
// goes away. PostgreSQL (tests/lib/pg_server) is stopped and restarted while mail flows:
// every message is still accepted, and once the server is back the history queue drains
// until the table holds exactly one row per message (the outage is kept short enough for
// the in-memory queue, kHistoryQueueCapacity records: "nothing lost within the bound").
// And cachet-dmarc is SIGKILLed in the middle of writing its SQLite history, again and
// again: the file passes PRAGMA integrity_check each time, and a restarted daemon keeps
// writing to it. Skipped with the reason when PostgreSQL's server binaries are absent.
#include <sqlite3.h>

#include <string>

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/lib/milter_client.hpp"
#include "tests/lib/pg_server.hpp"
#include "tests/lib/temp_dir.hpp"
#include "tests/soak/soak.hpp"

namespace cachet::testlib {
namespace {

using namespace std::chrono_literals;

// What one SQLite statement returns in its first column of its first row ("" on error).
std::string sqlite_value(const std::string& file, const char* sql) {
  sqlite3* raw = nullptr;
  std::string out;
  if (::sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (::sqlite3_prepare_v2(raw, sql, -1, &st, nullptr) == SQLITE_OK && ::sqlite3_step(st) == SQLITE_ROW)
      if (const auto* text = ::sqlite3_column_text(st, 0)) out = reinterpret_cast<const char*>(text);
    ::sqlite3_finalize(st);
  }
  ::sqlite3_close(raw);
  return out;
}

class HistorySoak : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dns_.start());
    zone_.add_txt("_dmarc.example.org", {"v=DMARC1; p=none; rua=mailto:agg@example.org"});
  }
  void start_dmarc(const std::string& history) {
    const std::string conf =
        dir_.write("dmarc.conf", "Socket unix:" + dir_.file("dmarc.sock") + "\nNameservers " + dns_.nameserver() +
                                     "\nDNSTimeout 1\nHistoryDatabase " + history + "\n");
    dmarc_ = start_daemon({std::string(CACHET_BIN_DIR) + "/cachet-dmarc", "-f", "-c", conf}, dir_.file("dmarc.log"),
                          dir_.file("dmarc.sock"));
    ASSERT_TRUE(dmarc_->alive()) << dmarc_->log();
  }
  // One message; "" when it was accepted with a DMARC result.
  std::string send(long n) {
    Message m;
    m.macros = {{"j", "mx.test"}, {"i", "H" + std::to_string(n)}};
    m.headers = {{"From", " a@example.org"}, {"Subject", " history"}};
    m.body = "history\r\n";
    MilterClient c;
    if (auto r = c.connect("unix:" + dir_.file("dmarc.sock")); !r) return "connect: " + r.error().detail;
    auto t = c.send_message(m);
    if (!t) return t.error().detail;
    return t->accepted() && t->find('i', "Authentication-Results") ? "" : "no DMARC result";
  }
  void load(std::chrono::steady_clock::duration d, Tally& tally,
            const std::function<void(std::chrono::steady_clock::time_point)>& beside = {}, int rate = 0) {
    run_load(
        d, 4, tally,
        [&](int, Tally& t) {
          const std::string why = send(serial_++);
          why.empty() ? t.ok() : t.fail(why);
        },
        beside, rate);
  }

  testlib::TempDir dir_{"cachet-soak-history"};
  dns::ZoneResolver zone_;
  testlib::DnsServer dns_{zone_};
  std::unique_ptr<DaemonProcess> dmarc_;
  std::atomic<long> serial_{0};
};

TEST_F(HistorySoak, PostgresStoppedAndRestartedUnderLoadLosesNothing) {
  PgServer pg;
  if (!pg.available()) GTEST_SKIP() << pg.why();
  ASSERT_TRUE(pg.start());
  start_dmarc(pg.conninfo());
  Tally tally;
  const auto total = soak_seconds() + 3s;
  // 4 threads x 500 messages/s through an outage of at most 5 s: 10,000 records to hold,
  // half of kHistoryQueueCapacity, so the bound is never reached and nothing may be lost.
  const auto outage = std::min<std::chrono::steady_clock::duration>(total / 3, 5s);
  const auto started = std::chrono::steady_clock::now();
  load(
      total, tally,
      [&](std::chrono::steady_clock::time_point) {
        std::this_thread::sleep_until(started + total / 3);  // pacing the outage, not a wait
        pg.stop();
        std::this_thread::sleep_until(started + total / 3 + outage);
        EXPECT_TRUE(pg.start());
      },
      500);
  const long sent = tally.oks();
  // Each poll starts psql (and a server backend): a poll every 250 ms, not a busy loop
  // that would starve the writer it waits for.
  std::string rows;
  bool drained = false;
  for (const auto until = std::chrono::steady_clock::now() + 180s;
       !drained && std::chrono::steady_clock::now() < until;) {
    auto r = pg.psql("SELECT count(*) FROM messages");
    rows = r ? *r : "";
    drained = rows == std::to_string(sent) + "\n";
    if (!drained) std::this_thread::sleep_for(250ms);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_figures("postgres_restart", seconds, sent + tally.failures(), tally.failures(), -1, -1,
                "outage_s=" + std::to_string(std::chrono::duration<double>(outage).count()) +
                    " rows=" + (rows.empty() ? "?" : rows.substr(0, rows.size() - 1)));
  EXPECT_EQ(tally.failures(), 0) << tally.reasons();
  EXPECT_TRUE(drained) << "rows " << rows << " for " << sent << " messages\n" << dmarc_->log();
  EXPECT_TRUE(dmarc_->alive()) << dmarc_->log();
}

TEST_F(HistorySoak, SigkillMidWriteLeavesSqliteIntact) {
  const std::string db = dir_.file("history.sqlite");
  const auto deadline = std::chrono::steady_clock::now() + soak_seconds();
  Tally tally;
  int kills = 0;
  do {
    start_dmarc(db);
    load(1s, tally);
    dmarc_->kill_now();  // SIGKILL while the writer is busy with the last batches
    ++kills;
    ASSERT_EQ(sqlite_value(db, "PRAGMA integrity_check"), "ok") << "after kill " << kills;
  } while (std::chrono::steady_clock::now() < deadline);
  const std::string before = sqlite_value(db, "SELECT count(*) FROM messages");
  start_dmarc(db);
  ASSERT_EQ(send(serial_++), "");
  const std::string want = std::to_string(std::stol(before.empty() ? "0" : before) + 1);
  EXPECT_TRUE(eventually([&] { return sqlite_value(db, "SELECT count(*) FROM messages") == want; }))
      << "a restarted daemon does not write to the history it was killed on\n"
      << dmarc_->log();
  print_figures("sqlite_sigkill", 0, tally.oks() + tally.failures(), tally.failures(), -1, -1,
                "kills=" + std::to_string(kills) + " rows=" + before);
  EXPECT_EQ(tally.failures(), 0) << tally.reasons();
}

}  // namespace
}  // namespace cachet::testlib
