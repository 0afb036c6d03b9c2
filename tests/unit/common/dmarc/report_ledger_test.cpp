// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_ledger_test.cpp: the sent-reports ledger on SQLite: one
// claim per domain and period, release and retry, done means done, stale claims taken
// over, outcomes per recipient (retry counted), expiry of history and ledger rows.
// The PostgreSQL side (same SQL) runs in tests/integration/dmarc_report_pg_test.cpp.
#include "common/dmarc/report_ledger.hpp"

#include <gtest/gtest.h>

#include "common/dmarc/history.hpp"
#include "tests/lib/dmarc_history_records.hpp"
#include "tests/lib/temp_dir.hpp"

namespace cachet::dmarc {
namespace {

class Ledger : public ::testing::Test {
 protected:
  Ledger() : dir_("ledger"), spec_(dir_.file("history.sqlite")) {
    ledger_ = std::move(*open_report_ledger(spec_));
    other_ = std::move(*open_report_ledger(spec_));
  }
  testlib::TempDir dir_;
  std::string spec_;
  std::unique_ptr<ReportLedger> ledger_, other_;
  const Period day_{86400, 172800};
};

TEST_F(Ledger, OneClaimAtATimeThenDoneForever) {
  EXPECT_TRUE(ledger_->claim("example.com", day_, "a", 1000, 3600).value());
  EXPECT_FALSE(other_->claim("example.com", day_, "b", 1001, 3600).value());       // held by a
  EXPECT_TRUE(other_->claim("example.org", day_, "b", 1001, 3600).value());        // other domain
  EXPECT_TRUE(other_->claim("example.com", {0, 86400}, "b", 1001, 3600).value());  // other period
  ASSERT_TRUE(ledger_->release("example.com", day_, "a", true).has_value());
  EXPECT_FALSE(other_->claim("example.com", day_, "b", 1002, 3600).value());  // done
  EXPECT_FALSE(ledger_->claim("example.com", day_, "a", 99999, 3600).value());
}

TEST_F(Ledger, ReleasedWithoutDoneIsClaimedAgainAndStaleClaimsAreTakenOver) {
  ASSERT_TRUE(ledger_->claim("example.com", day_, "a", 1000, 3600).value());
  ASSERT_TRUE(ledger_->release("example.com", day_, "a", false).has_value());
  EXPECT_TRUE(other_->claim("example.com", day_, "b", 1001, 3600).value());
  EXPECT_FALSE(ledger_->claim("example.com", day_, "a", 1001 + 3600, 3600).value());  // not stale yet
  EXPECT_TRUE(ledger_->claim("example.com", day_, "a", 1002 + 3600, 3600).value());   // b died
  // b's late release must not free a's claim.
  ASSERT_TRUE(other_->release("example.com", day_, "b", true).has_value());
  EXPECT_FALSE(other_->claim("example.com", day_, "c", 1003 + 3600, 3600).value());
}

TEST_F(Ledger, OutcomesPerRecipientLastOneWins) {
  SentEntry e{"id", "example.com", day_, "a@example.com", SendOutcome::failed, "sendmail exit 75", 1000};
  ASSERT_TRUE(ledger_->record(e).has_value());
  e.recipient = "b@example.net";
  e.outcome = SendOutcome::skipped;
  e.detail = "not authorized";
  ASSERT_TRUE(ledger_->record(e).has_value());
  e.recipient = "a@example.com";
  e.outcome = SendOutcome::sent;
  ASSERT_TRUE(ledger_->record(e).has_value());
  const auto got = other_->outcomes("example.com", day_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, (std::map<std::string, SendOutcome>{{"a@example.com", SendOutcome::sent},
                                                      {"b@example.net", SendOutcome::skipped}}));
  EXPECT_TRUE(other_->outcomes("example.com", {0, 86400})->empty());
}

TEST_F(Ledger, ExpireRemovesOldHistoryAndLedgerRows) {
  auto store = open_history_store(spec_);
  ASSERT_TRUE(store.has_value());
  for (std::int64_t t : {100, 200, 90000}) ASSERT_TRUE((*store)->add(testlib::history_record(t, "192.0.2.1", true)));
  ASSERT_TRUE(ledger_->record({"id", "example.com", {0, 86400}, "a@example.com", SendOutcome::sent, "", 1}));
  ASSERT_TRUE(ledger_->claim("example.com", {0, 86400}, "a", 1, 3600).value());
  const auto removed = ledger_->expire(86400 + 1);
  ASSERT_TRUE(removed.has_value()) << removed.error().detail;
  EXPECT_EQ(*removed, 2);
  EXPECT_EQ((*store)->range(0, 200000)->size(), 1u);
  EXPECT_TRUE(ledger_->outcomes("example.com", {0, 86400})->empty());
  EXPECT_TRUE(ledger_->claim("example.com", {0, 86400}, "b", 2, 3600).value());  // claim row gone too
}

TEST(LedgerSpec, BadSpecIsAConfigError) {
  const auto got = open_report_ledger("relative/path.sqlite");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
}

}  // namespace
}  // namespace cachet::dmarc
