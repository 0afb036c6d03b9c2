// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/store.cpp: see store.hpp.
#include "common/dmarc/import/store.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/history.hpp"

namespace cachet::dmarc::import {
namespace {

std::string schema(std::string_view id) {
  const std::string key(id);
  return "CREATE TABLE IF NOT EXISTS dmarc_aggregate_reports (id " + key +
         ", org TEXT NOT NULL, report_id TEXT NOT NULL, org_name TEXT, email TEXT, extra_contact_info TEXT,"
         " shape TEXT, version TEXT, begin_ts BIGINT, end_ts BIGINT, domain TEXT, adkim TEXT, aspf TEXT, p TEXT,"
         " sp TEXT, np TEXT, pct BIGINT, fo TEXT, testing TEXT, discovery_method TEXT, errors TEXT, repairs TEXT,"
         " is_foreign INTEGER, records BIGINT, messages BIGINT, source TEXT, imported BIGINT,"
         " UNIQUE (org, report_id));"
         "CREATE INDEX IF NOT EXISTS dmarc_aggregate_reports_end ON dmarc_aggregate_reports (end_ts);"
         "CREATE TABLE IF NOT EXISTS dmarc_aggregate_records (report BIGINT NOT NULL REFERENCES"
         " dmarc_aggregate_reports (id) ON DELETE CASCADE, source_ip TEXT, count BIGINT, disposition TEXT, dkim TEXT,"
         " spf TEXT, reasons TEXT, envelope_to TEXT, envelope_from TEXT, header_from TEXT, dkim_results TEXT,"
         " spf_results TEXT);"
         "CREATE INDEX IF NOT EXISTS dmarc_aggregate_records_report ON dmarc_aggregate_records (report);"
         "CREATE TABLE IF NOT EXISTS dmarc_failure_reports (id " +
         key +
         ", report_key TEXT NOT NULL UNIQUE, reporter TEXT, domain TEXT, source_ip TEXT, arrival_date TEXT,"
         " feedback_type TEXT, auth_failure TEXT, delivery_result TEXT, original_mail_from TEXT,"
         " original_rcpt_to TEXT, authentication_results TEXT, dkim_domain TEXT, header_from TEXT, subject TEXT,"
         " message_id TEXT, is_foreign INTEGER, source TEXT, imported BIGINT);";
}

std::string auth_list(const std::vector<AuthResult>& results) {
  std::vector<DkimEntry> entries;
  for (const AuthResult& a : results) entries.push_back({a.domain.empty() ? "-" : a.domain, a.selector, a.result});
  return format_dkim_entries(entries);
}

std::string join_lines(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

// "$1,$2,...,$n": the VALUES list of an INSERT of n columns.
std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) out += (i > 1 ? ",$" : "$") + std::to_string(i);
  return out;
}

std::uint64_t to_u64(const std::string& s) { return parse_uint(s).value_or(0); }
std::int64_t to_i64(const std::string& s) {
  if (!s.empty() && s.front() == '-') return -static_cast<std::int64_t>(to_u64(s.substr(1)));
  return static_cast<std::int64_t>(to_u64(s));
}

}  // namespace

std::string report_org(const AggregateReport& r) { return r.org_name.empty() ? r.email : r.org_name; }

ReportStore::ReportStore(std::unique_ptr<SqlConn> conn, std::set<std::string> our_domains)
    : conn_(std::move(conn)), our_domains_(std::move(our_domains)) {}

Result<void> ReportStore::init() { return conn_->exec(schema(conn_->id_column())); }

bool ReportStore::is_foreign(const std::string& domain) const {
  return !our_domains_.empty() && our_domains_.count(to_lower(domain)) == 0;
}

Result<AddOutcome> ReportStore::add_aggregate(const AggregateReport& r, std::string_view source, std::int64_t now) {
  std::uint64_t messages = 0;
  for (const AggregateRecord& rec : r.records) messages += rec.count;
  if (auto b = conn_->exec("BEGIN"); !b) return Unexpected<Error>(b.error());
  auto rollback = [&](Error e) {
    conn_->rollback();
    return Unexpected<Error>(std::move(e));
  };
  auto id = conn_->query(
      "INSERT INTO dmarc_aggregate_reports (org, report_id, org_name, email, extra_contact_info, shape, version,"
      " begin_ts, end_ts, domain, adkim, aspf, p, sp, np, pct, fo, testing, discovery_method, errors, repairs,"
      " is_foreign, records, messages, source, imported) VALUES (" +
          placeholders(26) + ") ON CONFLICT (org, report_id) DO NOTHING RETURNING id",
      {report_org(r),
       r.report_id,
       r.org_name,
       r.email,
       r.extra_contact_info,
       std::string(to_string(r.shape)),
       r.version,
       std::to_string(r.begin),
       std::to_string(r.end),
       r.domain,
       r.adkim,
       r.aspf,
       r.p,
       r.sp,
       r.np,
       std::to_string(r.pct),
       r.fo,
       r.testing,
       r.discovery_method,
       join_lines(r.errors, "\n"),
       join_lines(r.repairs, "\n"),
       is_foreign(r.domain) ? "1" : "0",
       std::to_string(r.records.size()),
       std::to_string(messages),
       std::string(source),
       std::to_string(now)});
  if (!id) return rollback(id.error());
  if (id->empty()) {
    if (auto e = conn_->exec("ROLLBACK"); !e) return Unexpected<Error>(e.error());
    return AddOutcome::duplicate;
  }
  const std::string report = id->front().at(0);
  for (const AggregateRecord& rec : r.records) {
    std::vector<std::string> reasons;
    for (const PolicyReason& why : rec.reasons)
      reasons.push_back(why.type + (why.comment.empty() ? "" : "=" + why.comment));
    auto ins = conn_->query(
        "INSERT INTO dmarc_aggregate_records (report, source_ip, count, disposition, dkim, spf, reasons, envelope_to,"
        " envelope_from, header_from, dkim_results, spf_results) VALUES (" +
            placeholders(12) + ")",
        {report, rec.source_ip, std::to_string(rec.count), rec.disposition, rec.dkim, rec.spf,
         join_lines(reasons, "; "), rec.envelope_to, rec.envelope_from, rec.header_from, auth_list(rec.dkim_results),
         auth_list(rec.spf_results)});
    if (!ins) return rollback(ins.error());
  }
  if (auto c = conn_->exec("COMMIT"); !c) return rollback(c.error());
  return AddOutcome::added;
}

Result<AddOutcome> ReportStore::add_failure(const FailureReport& f, std::string_view reporter, std::string_view mail_id,
                                            std::string_view source, std::int64_t now) {
  const std::string key = !mail_id.empty() ? std::string(mail_id)
                                           : std::string(reporter) + "|" + f.reported_domain + "|" + f.source_ip + "|" +
                                                 f.arrival_date + "|" + f.message_id;
  auto row = conn_->query(
      "INSERT INTO dmarc_failure_reports (report_key, reporter, domain, source_ip, arrival_date, feedback_type,"
      " auth_failure, delivery_result, original_mail_from, original_rcpt_to, authentication_results, dkim_domain,"
      " header_from, subject, message_id, is_foreign, source, imported) VALUES (" +
          placeholders(18) + ") ON CONFLICT (report_key) DO NOTHING RETURNING id",
      {key, std::string(reporter), f.reported_domain, f.source_ip, f.arrival_date, f.feedback_type, f.auth_failure,
       f.delivery_result, f.original_mail_from, f.original_rcpt_to, f.authentication_results, f.dkim_domain,
       f.header_from, f.subject, f.message_id, is_foreign(f.reported_domain) ? "1" : "0", std::string(source),
       std::to_string(now)});
  if (!row) return Unexpected<Error>(row.error());
  return row->empty() ? AddOutcome::duplicate : AddOutcome::added;
}

Result<std::vector<StoredRecord>> ReportStore::records(std::int64_t since, std::string_view domain) {
  auto rows = conn_->query(
      "SELECT r.domain, r.org, r.begin_ts, r.end_ts, r.is_foreign, c.source_ip, c.count, c.disposition, c.dkim, c.spf,"
      " c.header_from, c.envelope_from, c.dkim_results, c.spf_results FROM dmarc_aggregate_records c"
      " JOIN dmarc_aggregate_reports r ON c.report = r.id WHERE r.end_ts >= $1 AND ($2 = '' OR r.domain = $3)"
      " ORDER BY r.begin_ts, r.id",
      {std::to_string(since), std::string(domain), to_lower(domain)});
  if (!rows) return Unexpected<Error>(rows.error());
  std::vector<StoredRecord> out;
  out.reserve(rows->size());
  for (const SqlRow& x : *rows)
    out.push_back({x[0], x[1], to_i64(x[2]), to_i64(x[3]), x[4] == "1", x[5], to_u64(x[6]), x[7], x[8], x[9], x[10],
                   x[11], x[12], x[13]});
  return out;
}

Result<std::vector<StoredFailure>> ReportStore::failures(std::int64_t since, std::string_view domain) {
  auto rows = conn_->query(
      "SELECT reporter, domain, source_ip, arrival_date, auth_failure, delivery_result, header_from, subject,"
      " original_mail_from, imported FROM dmarc_failure_reports WHERE imported >= $1 AND ($2 = '' OR domain = $3)"
      " ORDER BY imported, id",
      {std::to_string(since), std::string(domain), to_lower(domain)});
  if (!rows) return Unexpected<Error>(rows.error());
  std::vector<StoredFailure> out;
  for (const SqlRow& x : *rows) out.push_back({x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], to_i64(x[9])});
  return out;
}

Result<StoreCounts> ReportStore::counts() {
  auto a = conn_->query(
      "SELECT COUNT(*), COALESCE(SUM(records), 0), COALESCE(SUM(messages), 0) FROM dmarc_aggregate_reports", {});
  auto f = conn_->query("SELECT COUNT(*) FROM dmarc_failure_reports", {});
  if (!a) return Unexpected<Error>(a.error());
  if (!f) return Unexpected<Error>(f.error());
  return StoreCounts{to_u64(a->at(0).at(0)), to_u64(a->at(0).at(1)), to_u64(a->at(0).at(2)), to_u64(f->at(0).at(0))};
}

Result<std::unique_ptr<ReportStore>> open_report_store(std::string_view spec, std::set<std::string> our_domains) {
  // WAL as the history (the milter writes into the same file); a 5 s wait for its lock.
  SqlSettings settings;
  settings.busy_timeout_ms = 5000;
  settings.use_wal = true;
  settings.use_foreign_keys = true;
  settings.application_name = "cachetctl";
  settings.statement_timeout_ms = 60000;
  auto conn = open_sql(spec, std::move(settings));
  if (!conn) return Unexpected<Error>(conn.error());
  auto store = std::make_unique<ReportStore>(std::move(*conn), std::move(our_domains));
  if (auto i = store->init(); !i) return Unexpected<Error>(i.error());
  return store;
}

}  // namespace cachet::dmarc::import
