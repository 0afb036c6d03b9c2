// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/history_test.cpp: the history record (dkim entries, published
// policy, store selection and the no-password rule) and the SQLite store (round trip of
// every column, period bounds, batches of every INSERT size, stored types, files of the first schema, unwritable path).
#include "common/dmarc/history.hpp"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include "common/dmarc/store/history_sqlite.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

using testlib::history_record;

TEST(DkimEntries, RoundTripWithSelectors) {
  const std::vector<DkimEntry> in = {{"a.example", "s1", "pass"}, {"b.example", "", "fail"}};
  const std::string text = format_dkim_entries(in);
  EXPECT_EQ(text, "a.example:s1:pass,b.example::fail");
  const auto back = parse_dkim_entries(text);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].selector, "s1");
  EXPECT_EQ(back[1].domain, "b.example");
  EXPECT_EQ(back[1].result, "fail");
}

TEST(DkimEntries, ReadsTheFirstFormatAndDropsSeparatorsInValues) {
  const auto old = parse_dkim_entries("a.example:pass");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].domain, "a.example");
  EXPECT_EQ(old[0].selector, "");
  EXPECT_EQ(old[0].result, "pass");
  EXPECT_EQ(format_dkim_entries({{"a.example", "s:1,x", "pass"}, {"bad,domain", "s", "pass"}}), "a.example::pass");
  EXPECT_TRUE(parse_dkim_entries("").empty());
}

TEST(PublishedPolicy, CopiesEveryTag) {
  auto rec = parse_record(
      "v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; pct=50; fo=1:d; "
      "rua=mailto:a@x.example,mailto:b@y.example!10m");
  ASSERT_TRUE(rec) << rec.error().detail;
  HistoryRecord r;
  set_published_policy(r, *rec);
  EXPECT_EQ(r.p, "reject");
  EXPECT_EQ(r.sp, "quarantine");
  EXPECT_EQ(r.np, "none");
  EXPECT_EQ(r.adkim, "s");
  EXPECT_EQ(r.aspf, "r");
  EXPECT_EQ(r.pct, 50);
  EXPECT_EQ(r.fo, "1:d");
  EXPECT_EQ(r.rua, "mailto:a@x.example mailto:b@y.example!10m");
}

TEST(PublishedPolicy, AbsentTagsStayEmpty) {
  auto rec = parse_record("v=DMARC1; p=none");
  ASSERT_TRUE(rec);
  HistoryRecord r;
  set_published_policy(r, *rec);
  EXPECT_EQ(r.sp, "");
  EXPECT_EQ(r.np, "");
  EXPECT_EQ(r.pct, 100);
  EXPECT_EQ(r.rua, "");
}

struct SpecCase {
  std::string_view name, spec;
  bool postgres, valid;
};
class HistorySpec : public ::testing::TestWithParam<SpecCase> {};

TEST_P(HistorySpec, PicksTheBackend) {
  const SpecCase& c = GetParam();
  EXPECT_EQ(is_postgres_spec(c.spec), c.postgres) << c.name;
  const auto got = check_history_spec(c.spec);
  EXPECT_EQ(got.has_value(), c.valid) << c.name << ": " << (got ? "" : got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, Errc::config);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Specs, HistorySpec,
    ::testing::Values(SpecCase{"sqlite path", "/var/lib/cachet/h.sqlite", false, true},
                      SpecCase{"relative path", "h.sqlite", false, false}, SpecCase{"empty", "", false, false},
                      SpecCase{"uri", "postgresql://cachet@db.example/dmarc", true, true},
                      SpecCase{"short uri", "postgres:///dmarc?host=/run/postgresql", true, true},
                      SpecCase{"conninfo", "host=db.example dbname=dmarc user=cachet", true, true},
                      SpecCase{"passfile", "host=db dbname=dmarc passfile=/etc/cachet/pgpass", true, true},
                      SpecCase{"password in conninfo", "host=db dbname=dmarc password=secret", true, false},
                      SpecCase{"password in uri", "postgresql://cachet:secret@db/dmarc", true, false},
                      SpecCase{"unknown keyword", "host=db bogus=1", true, false},
                      SpecCase{"unterminated quote", "host='db", true, false}),
    [](const auto& info) {
      std::string n(info.param.name);
      for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n;
    });

TEST(SqliteHistory, RoundTripsEveryColumnWithinThePeriod) {
  testlib::TempDir dir;
  SqliteHistoryStore store(dir.file("h.sqlite"));
  const std::vector<HistoryRecord> in = {history_record(100, "192.0.2.1", true), history_record(200, "192.0.2.1", true),
                                         history_record(300, "192.0.2.2", false)};
  ASSERT_TRUE(store.add_batch(in));
  auto got = store.range(100, 300);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  for (std::size_t i = 0; i < got->size(); ++i)
    for (const HistoryColumn& c : history_columns())
      EXPECT_EQ(c.get((*got)[i]), c.get(in[i])) << "row " << i << " column " << c.name;
}

TEST(SqliteHistory, UpgradesAFileOfTheFirstSchema) {
  testlib::TempDir dir;
  const std::string path = dir.file("old.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE messages (received INTEGER NOT NULL, job TEXT, reporter TEXT, ip TEXT,"
                         " header_from TEXT, envelope_from TEXT, policy_domain TEXT, policy TEXT, disposition TEXT,"
                         " result TEXT, dkim TEXT, spf_domain TEXT, spf_result TEXT, dkim_aligned INTEGER,"
                         " spf_aligned INTEGER);"
                         "INSERT INTO messages VALUES (5,'Q5','mx','192.0.2.5','example.com','<a@example.com>',"
                         "'example.com','reject','none','pass','example.com:pass','example.com','pass',1,1);",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  SqliteHistoryStore store(path);
  ASSERT_TRUE(store.add(history_record(6, "192.0.2.6", true)));
  auto got = store.range(0, 10);
  ASSERT_TRUE(got) << got.error().detail;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].job_id, "Q5");
  EXPECT_EQ((*got)[0].p, "");
  EXPECT_EQ(parse_dkim_entries((*got)[0].dkim).at(0).result, "pass");
  EXPECT_EQ((*got)[1].p, "reject");
}

// A batch goes in as INSERTs of 16, 4 and 1 rows: every size and each boundary keeps the
// records and their insertion order (ties in `received`: rowid order).
TEST(SqliteHistory, BatchesOfEverySizeKeepTheirOrder) {
  for (const std::size_t n : {1u, 3u, 4u, 5u, 15u, 16u, 17u, 21u, 37u}) {
    testlib::TempDir dir;
    SqliteHistoryStore store(dir.file("h.sqlite"));
    std::vector<HistoryRecord> in;
    for (std::size_t i = 0; i < n; ++i) {
      in.push_back(history_record(7, "192.0.2.1", i % 2 == 0));
      in.back().job_id = "Q" + std::to_string(i);
    }
    ASSERT_TRUE(store.add_batch(in)) << n;
    auto got = store.range(7, 8);
    ASSERT_TRUE(got);
    ASSERT_EQ(got->size(), n);
    for (std::size_t i = 0; i < n; ++i) {
      EXPECT_EQ((*got)[i].job_id, in[i].job_id) << n;
      EXPECT_EQ((*got)[i].dkim_aligned, in[i].dkim_aligned) << n;
    }
  }
}

// Integers are bound as integers and text in place: what SQLite stores is what text
// through INTEGER affinity stored (integers), and an empty value is '', not NULL.
TEST(SqliteHistory, StoresIntegersAsIntegersAndEmptyTextAsText) {
  testlib::TempDir dir;
  const std::string path = dir.file("h.sqlite");
  HistoryRecord r = history_record(1700000000, "192.0.2.1", true);
  r.sp.clear();
  r.pct = 0;
  {
    SqliteHistoryStore store(path);
    ASSERT_TRUE(store.add(r));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::string got;
  ASSERT_EQ(sqlite3_exec(
                db,
                "SELECT typeof(received), received, typeof(dkim_aligned), dkim_aligned, typeof(spf_aligned),"
                " typeof(pct), pct, typeof(sp), quote(sp), typeof(job) FROM messages",
                [](void* out, int n, char** values, char**) {
                  for (int i = 0; i < n; ++i) *static_cast<std::string*>(out) += std::string(values[i]) + " ";
                  return 0;
                },
                &got, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(got, "integer 1700000000 integer 1 integer integer 0 text '' text ");
}

TEST(SqliteHistory, UnwritablePathIsTemporaryError) {
  SqliteHistoryStore store("/nonexistent-dir/h.sqlite");
  auto r = store.add(history_record(1, "192.0.2.1", true));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::temporary);
}

TEST(SqliteHistory, OpenHistoryStorePicksSqliteForAPath) {
  testlib::TempDir dir;
  auto store = open_history_store(dir.file("h.sqlite"));
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->describe(), "sqlite:" + dir.file("h.sqlite"));
  EXPECT_FALSE(open_history_store("host=db password=x"));
}

}  // namespace
}  // namespace cachet::dmarc
