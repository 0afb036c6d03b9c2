// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dmarc_import_pg_test.cpp: `cachetctl dmarc-import` into PostgreSQL
// (tests/lib/pg_server.hpp) and into SQLite, over the whole sample folder: the same
// counts in both, a second import changes nothing, and one report mail on standard input
// (the Postfix alias path) imports with exit 0. Skipped, with the reason, without the
// server binaries or the samples.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/dmarc/import/store.hpp"
#include "tests/lib/pg_server.hpp"
#include "tests/lib/run_command.hpp"
#include "tests/lib/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using cachet::dmarc::import::open_report_store;
using cachet::dmarc::import::StoreCounts;

const std::string kCtl = std::string(CACHET_BIN_DIR) + "/cachetctl";
const fs::path kSamples = fs::path(CACHET_TESTDATA) / "dmarc-reports";

StoreCounts counts(const std::string& spec) {
  auto store = open_report_store(spec);
  EXPECT_TRUE(store.has_value()) << (store ? "" : store.error().detail);
  if (!store) return {};
  auto c = (*store)->counts();
  EXPECT_TRUE(c.has_value());
  return c.value_or(StoreCounts{});
}

TEST(DmarcImportPg, SameCountsAsSqliteAndIdempotent) {
  if (!fs::is_directory(kSamples)) GTEST_SKIP() << "no " << kSamples;
  cachet::testlib::PgServer pg;
  if (!pg.available()) GTEST_SKIP() << pg.why();
  ASSERT_TRUE(pg.start());
  cachet::testlib::TempDir dir("rua-in-pg");
  const std::string sqlite = dir.file("h.sqlite");
  for (const std::string& db : {pg.conninfo(), sqlite}) {
    for (int round = 0; round < 2; ++round) {
      auto r = cachet::testlib::run_command({kCtl, "dmarc-import", "-q", "--db", db, kSamples.string()});
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(r->exit_code, 65) << r->err;  // the broken samples are refused
    }
  }
  const StoreCounts a = counts(pg.conninfo()), b = counts(sqlite);
  EXPECT_EQ(a.reports, 16u);
  EXPECT_EQ(a.reports, b.reports);
  EXPECT_EQ(a.records, b.records);
  EXPECT_EQ(a.messages, b.messages);
  EXPECT_EQ(a.failures, b.failures);

  // One mail on standard input, as the Postfix alias delivers it.
  auto r =
      cachet::testlib::run_command({kCtl, "dmarc-import", "--db", pg.conninfo()},
                                   "From MAILER-DAEMON Mon Jan  1 00:00:00 2024\nFrom: r@yahoo.example\n"
                                   "Content-Type: text/xml\n\n<feedback><report_metadata><org_name>Yahoo</org_name>"
                                   "<report_id>stdin-1</report_id><date_range><begin>1</begin><end>2</end>"
                                   "</date_range></report_metadata><policy_published><domain>example.com</domain>"
                                   "</policy_published></feedback>");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(counts(pg.conninfo()).reports, 17u);
  auto summary = cachet::testlib::run_command(
      {kCtl, "dmarc-summary", "--db", pg.conninfo(), "--since", "0", "--no-dns", "--json", "--domain", "example.com"});
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->exit_code, 0) << summary->err;
  EXPECT_NE(summary->out.find("\"domain\": \"example.com\""), std::string::npos) << summary->out.substr(0, 300);
  pg.stop();
}

}  // namespace
