// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_ledger.hpp: what `cachetctl dmarc-report send` has done, kept in the
// history's own database (SQLite file or PostgreSQL, the HistoryDatabase value), so that a
// rerun sends nothing twice and retries what failed, and so that several hosts of a fleet
// running the command at once produce exactly one report per domain and period.
// Two tables (created if missing, beside `messages`):
//   report_claims (policy_domain, period_begin, period_end) -> owner, claimed_at, done
//     claim(): one atomic INSERT ... ON CONFLICT DO UPDATE ... WHERE ... RETURNING; it
//     succeeds only if nobody holds a live claim and the report is not done. A claim older
//     than `stale_after` seconds (a run that died) may be taken over.
//   reports_sent (policy_domain, period_begin, period_end, recipient) -> report_id,
//     outcome (sent | failed | skipped), detail, updated, attempts
//     failed = try again next run (temporary: DNS, sendmail exit 75, ...);
//     skipped = never (not authorized by s7.1, over the !size limit, bad URI).
// Connections are opened lazily and kept; every call is one statement (autocommit).
// Thread-safety: one object per thread (the command is single-threaded).
// Errors: Errc::temporary (database trouble), Errc::config (open_report_ledger on a bad spec).
// Connection: store/sql.hpp. See also: history.hpp (the spec),
// tools/cachetctl/cmd_dmarc_report_send.cpp,
// tests/unit/common/dmarc/report_ledger_test.cpp, tests/integration/dmarc_report_pg_test.cpp
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/dmarc/report_aggregate.hpp"

namespace cachet::dmarc {

enum class SendOutcome { sent, failed, skipped };
const char* to_string(SendOutcome o) noexcept;

struct SentEntry {
  std::string report_id, policy_domain;
  Period period;
  std::string recipient;  // address
  SendOutcome outcome = SendOutcome::failed;
  std::string detail;
  std::int64_t updated = 0;
};

// The SQL both back ends run, with $1.. placeholders (SQLite accepts them as well).
struct LedgerSql {
  static const char* schema();
  static const char* claim();           // $1 domain $2 begin $3 end $4 owner $5 now $6 stale-before
  static const char* release();         // $1 domain $2 begin $3 end $4 owner $5 done (0/1)
  static const char* outcomes();        // $1 domain $2 begin $3 end -> recipient, outcome
  static const char* record();          // $1 id $2 domain $3 begin $4 end $5 recipient $6 outcome $7 detail $8 updated
  static const char* expire_history();  // $1 before
  static const char* expire_sent();     // $1 before
  static const char* expire_claims();   // $1 before
};

class ReportLedger {
 public:
  virtual ~ReportLedger() = default;
  // True if this run now owns (domain, period); false if another run holds it or it is done.
  [[nodiscard]] virtual Result<bool> claim(std::string_view domain, Period p, std::string_view owner, std::int64_t now,
                                           std::int64_t stale_after) = 0;
  // Gives the claim up; done = every recipient is sent or skipped (never look again).
  [[nodiscard]] virtual Result<void> release(std::string_view domain, Period p, std::string_view owner, bool done) = 0;
  // recipient address -> outcome recorded so far for (domain, period).
  [[nodiscard]] virtual Result<std::map<std::string, SendOutcome>> outcomes(std::string_view domain, Period p) = 0;
  [[nodiscard]] virtual Result<void> record(const SentEntry& e) = 0;
  // Deletes history (messages.received < before) and ledger rows of periods ending before
  // it; returns the number of history rows removed.
  [[nodiscard]] virtual Result<std::int64_t> expire(std::int64_t before) = 0;
};

// The ledger in the database `spec` names (as open_history_store). Errors: config.
[[nodiscard]] Result<std::unique_ptr<ReportLedger>> open_report_ledger(std::string_view spec);

}  // namespace cachet::dmarc
