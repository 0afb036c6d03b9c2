// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_history_pg_test.cpp: the PostgreSQL history store against a real
// server (tests/lib/pg_server.hpp: initdb + postgres on a UNIX socket in a temp dir, as
// `nobody` when run as root), one server for the whole suite. Checks: the schema is
// created, every column round-trips, a large batch keeps its order, cachetctl's report is
// byte-identical from SQLite and PostgreSQL for the same records, the store reconnects after
// a server restart, the writer keeps records through an outage, and cachet-dmarc itself
// writes to PostgreSQL.
// Skipped, with the reason, when the server binaries are absent.
#include <gtest/gtest.h>

#include "common/dmarc/history_writer.hpp"
#include "common/dmarc/report_xml.hpp"
#include "common/dmarc/store/history_pg.hpp"
#include "common/dmarc/store/history_sqlite.hpp"
#include "tests/integration/dmarc_harness.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/pg_server.hpp"
#include "tests/lib/run_command.hpp"

namespace {

using cachet::dmarc::HistoryRecord;
using cachet::testlib::eventually;
using cachet::testlib::history_record;
using namespace std::chrono_literals;

class PgHistory : public cachet::testlib::PgServerSuite {
 protected:
  void SetUp() override {
    PgServerSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(server_->psql("DROP TABLE IF EXISTS messages"));
  }
  static std::vector<HistoryRecord> sample() {
    std::vector<HistoryRecord> rs = {history_record(100, "192.0.2.1", true), history_record(101, "192.0.2.1", true),
                                     history_record(102, "192.0.2.9", false),
                                     history_record(103, "2001:db8::1", false)};
    rs[2].np = "reject";
    rs[3].policy_domain = rs[3].header_from = "other.example";
    rs[3].dkim = "";
    return rs;
  }
};

TEST_F(PgHistory, CreatesTheSchemaAndRoundTripsEveryColumn) {
  cachet::dmarc::PgHistoryStore store(server_->conninfo());
  const auto in = sample();
  ASSERT_TRUE(store.add_batch(in));
  auto got = store.range(100, 103);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 3u);
  for (std::size_t i = 0; i < got->size(); ++i)
    for (const auto& c : cachet::dmarc::history_columns())
      EXPECT_EQ(c.get((*got)[i]), c.get(in[i])) << "row " << i << " column " << c.name;
  auto count = server_->psql("SELECT count(*) FROM messages");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, "4\n");
  EXPECT_EQ(store.describe().rfind("postgresql:/tmp/cachet-pg-", 0), 0u) << store.describe();
}

// A batch goes in as INSERTs of 16, 4 and 1 rows (history_sql.hpp): insertion order
// (the id column) survives every statement size.
TEST_F(PgHistory, ALargeBatchKeepsItsOrder) {
  cachet::dmarc::PgHistoryStore store(server_->conninfo());
  std::vector<HistoryRecord> in;
  for (int i = 0; i < 21; ++i) {
    in.push_back(history_record(7, "192.0.2.1", i % 2 == 0));
    in.back().job_id = "Q" + std::to_string(i);
  }
  ASSERT_TRUE(store.add_batch(in));
  auto got = store.range(7, 8);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ((*got)[i].job_id, in[i].job_id);
    EXPECT_EQ((*got)[i].dkim_aligned, in[i].dkim_aligned);
  }
}

TEST_F(PgHistory, SameReportFromSqliteAndPostgres) {
  cachet::testlib::TempDir dir;
  const std::string sqlite = dir.file("h.sqlite");
  cachet::dmarc::SqliteHistoryStore lite(sqlite);
  cachet::dmarc::PgHistoryStore pg(server_->conninfo());
  ASSERT_TRUE(lite.add_batch(sample()));
  ASSERT_TRUE(pg.add_batch(sample()));
  auto report = [&](const std::string& db) {
    auto r = cachet::testlib::run_command({std::string(CACHET_BIN_DIR) + "/cachetctl", "dmarc-report", "--db", db,
                                           "--from", "0", "--to", "1000", "--org", "Test", "--email", "dmarc@mx.test",
                                           "--domain", "example.com"});
    EXPECT_TRUE(r && r->exit_code == 0) << (r ? r->err : r.error().detail);
    return r ? r->out : std::string();
  };
  const std::string from_sqlite = report(sqlite);
  EXPECT_NE(from_sqlite.find("<np>reject</np>"), std::string::npos) << from_sqlite;
  EXPECT_NE(from_sqlite.find("<count>2</count>"), std::string::npos) << from_sqlite;
  EXPECT_EQ(report(server_->conninfo()), from_sqlite);
}

TEST_F(PgHistory, ReconnectsAfterAServerRestart) {
  cachet::dmarc::PgHistoryStore store(server_->conninfo());
  ASSERT_TRUE(store.add(history_record(1, "192.0.2.1", true)));
  server_->stop();
  auto down = store.add(history_record(2, "192.0.2.1", true));
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, cachet::Errc::temporary);
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(store.add(history_record(3, "192.0.2.1", true)));
  auto got = store.range(0, 10);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1].job_id, "Q3");
}

TEST_F(PgHistory, WriterKeepsRecordsThroughAnOutage) {
  cachet::log::CaptureLogger logger;
  cachet::dmarc::HistoryWriter::Options o;
  o.min_backoff = 20ms;
  o.max_backoff = 100ms;
  cachet::dmarc::HistoryWriter w(std::make_unique<cachet::dmarc::PgHistoryStore>(server_->conninfo()), logger, o);
  w.submit(history_record(1, "192.0.2.1", true));
  ASSERT_TRUE(w.wait_idle_for_test(20s));
  server_->stop();
  for (int i = 2; i <= 5; ++i) w.submit(history_record(i, "192.0.2.1", true));
  ASSERT_TRUE(eventually([&] { return w.stats().failing; }));
  ASSERT_TRUE(server_->start());
  ASSERT_TRUE(w.wait_idle_for_test(20s));
  EXPECT_TRUE(logger.contains("dmarc.history_unavailable"));
  EXPECT_TRUE(logger.contains("dmarc.history_recovered"));
  auto count = server_->psql("SELECT count(*) FROM messages");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, "5\n");
}

TEST_F(PgHistory, DaemonWritesToPostgres) {
  cachet::testlib::DmarcHarness h;
  h.history_database = server_->conninfo();
  h.start();
  (void)h.send(cachet::testlib::DmarcHarness::message(
      "a@reject.example", {{"Authentication-Results", " mx.test; dkim=pass header.d=reject.example header.s=s1"}}));
  std::string rows;
  ASSERT_TRUE(eventually([&] {
    auto r = server_->psql("SELECT job, result, dkim, p, rua FROM messages");
    rows = r ? *r : std::string();
    return !rows.empty();
  })) << h.log();
  EXPECT_EQ(rows, "QID1|pass|reject.example:s1:pass|reject|mailto:agg@reject.example\n");
}

}  // namespace
