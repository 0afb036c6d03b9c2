// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_ledger.cpp: see report_ledger.hpp. The SQL both back ends share,
// run through store/sql.hpp; parameters are $N (PostgreSQL's form; SQLite binds them by name).
#include "common/dmarc/report_ledger.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc {

const char* to_string(SendOutcome o) noexcept {
  switch (o) {
    case SendOutcome::sent: return "sent";
    case SendOutcome::failed: return "failed";
    case SendOutcome::skipped: return "skipped";
  }
  return "failed";
}

const char* LedgerSql::schema() {
  return "CREATE TABLE IF NOT EXISTS report_claims (policy_domain TEXT NOT NULL, period_begin BIGINT NOT NULL, "
         "period_end BIGINT NOT NULL, owner TEXT NOT NULL, claimed_at BIGINT NOT NULL, done INTEGER NOT NULL DEFAULT "
         "0, "
         "PRIMARY KEY (policy_domain, period_begin, period_end));"
         "CREATE TABLE IF NOT EXISTS reports_sent (report_id TEXT NOT NULL, policy_domain TEXT NOT NULL, "
         "period_begin BIGINT NOT NULL, period_end BIGINT NOT NULL, recipient TEXT NOT NULL, outcome TEXT NOT NULL, "
         "detail TEXT NOT NULL, updated BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 1, "
         "PRIMARY KEY (policy_domain, period_begin, period_end, recipient));";
}

const char* LedgerSql::claim() {
  return "INSERT INTO report_claims (policy_domain, period_begin, period_end, owner, claimed_at, done) "
         "VALUES ($1, $2, $3, $4, $5, 0) ON CONFLICT (policy_domain, period_begin, period_end) DO UPDATE SET "
         "owner = excluded.owner, claimed_at = excluded.claimed_at WHERE report_claims.done = 0 AND "
         "(report_claims.owner = '' OR report_claims.claimed_at < $6) RETURNING owner";
}

const char* LedgerSql::release() {
  return "UPDATE report_claims SET owner = '', claimed_at = 0, done = $5 WHERE policy_domain = $1 AND "
         "period_begin = $2 AND period_end = $3 AND owner = $4";
}

const char* LedgerSql::outcomes() {
  return "SELECT recipient, outcome FROM reports_sent WHERE policy_domain = $1 AND period_begin = $2 AND "
         "period_end = $3";
}

const char* LedgerSql::record() {
  return "INSERT INTO reports_sent (report_id, policy_domain, period_begin, period_end, recipient, outcome, detail, "
         "updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (policy_domain, period_begin, period_end, "
         "recipient) DO UPDATE SET report_id = excluded.report_id, outcome = excluded.outcome, detail = "
         "excluded.detail, "
         "updated = excluded.updated, attempts = reports_sent.attempts + 1";
}

const char* LedgerSql::expire_history() { return "DELETE FROM messages WHERE received < $1"; }

const char* LedgerSql::expire_sent() { return "DELETE FROM reports_sent WHERE period_end < $1"; }
const char* LedgerSql::expire_claims() { return "DELETE FROM report_claims WHERE period_end < $1"; }

namespace {

SendOutcome parse_outcome(std::string_view s) {
  for (const SendOutcome o : {SendOutcome::sent, SendOutcome::skipped})
    if (s == to_string(o)) return o;
  return SendOutcome::failed;  // anything unknown is retried, never taken as sent
}

class SqlReportLedger final : public ReportLedger {
 public:
  explicit SqlReportLedger(std::unique_ptr<SqlConn> db) : db_(std::move(db)) {}

  Result<bool> claim(std::string_view domain, Period p, std::string_view owner, std::int64_t now,
                     std::int64_t stale_after) override {
    auto rows = run(LedgerSql::claim(), {std::string(domain), std::to_string(p.begin), std::to_string(p.end),
                                         std::string(owner), std::to_string(now), std::to_string(now - stale_after)});
    if (!rows) return Unexpected<Error>(rows.error());
    return !rows->empty();
  }

  Result<void> release(std::string_view domain, Period p, std::string_view owner, bool done) override {
    auto rows = run(LedgerSql::release(), {std::string(domain), std::to_string(p.begin), std::to_string(p.end),
                                           std::string(owner), done ? "1" : "0"});
    if (!rows) return Unexpected<Error>(rows.error());
    return {};
  }

  Result<std::map<std::string, SendOutcome>> outcomes(std::string_view domain, Period p) override {
    auto rows = run(LedgerSql::outcomes(), {std::string(domain), std::to_string(p.begin), std::to_string(p.end)});
    if (!rows) return Unexpected<Error>(rows.error());
    std::map<std::string, SendOutcome> out;
    for (const auto& r : *rows)
      if (r.size() == 2) out[r[0]] = parse_outcome(r[1]);
    return out;
  }

  Result<void> record(const SentEntry& e) override {
    auto rows = run(LedgerSql::record(),
                    {e.report_id, e.policy_domain, std::to_string(e.period.begin), std::to_string(e.period.end),
                     e.recipient, to_string(e.outcome), e.detail, std::to_string(e.updated)});
    if (!rows) return Unexpected<Error>(rows.error());
    return {};
  }

  Result<std::int64_t> expire(std::int64_t before) override {
    const std::vector<std::string> param{std::to_string(before)};
    auto removed = run("SELECT count(*) FROM messages WHERE received < $1", param);
    if (!removed) return Unexpected<Error>(removed.error());
    for (const char* sql : {LedgerSql::expire_history(), LedgerSql::expire_sent(), LedgerSql::expire_claims()})
      if (auto r = run(sql, param); !r) return Unexpected<Error>(r.error());
    const auto n = removed->empty() || removed->front().empty() ? std::nullopt : parse_uint(removed->front().front());
    return static_cast<std::int64_t>(n.value_or(0));
  }

 private:
  Result<std::vector<SqlRow>> run(const char* sql, const std::vector<std::string>& params) {
    if (!has_schema_) {
      if (auto s = db_->exec_schema(LedgerSql::schema()); !s) return Unexpected<Error>(s.error());
      has_schema_ = true;
    }
    return db_->query(sql, params);
  }

  std::unique_ptr<SqlConn> db_;
  bool has_schema_ = false;
};

}  // namespace

Result<std::unique_ptr<ReportLedger>> open_report_ledger(std::string_view spec) {
  // The history file itself, a second handle beside the store's, with its 2 s busy timeout
  // (cachet-dmarc writes while we read); on PostgreSQL, a connection of cachetctl's own.
  SqlSettings settings;
  settings.application_name = "cachetctl-dmarc-report";
  settings.statement_timeout_ms = 30000;
  auto db = open_sql(spec, std::move(settings));
  if (!db) return Unexpected<Error>(db.error());
  return std::unique_ptr<ReportLedger>(std::make_unique<SqlReportLedger>(std::move(*db)));
}

}  // namespace cachet::dmarc
