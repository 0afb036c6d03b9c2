// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/history.cpp: see history.hpp.
#include "common/dmarc/history.hpp"

#include <sqlite3.h>

#include <map>
#include <tuple>

#include "common/base/strings.hpp"

namespace cachet::dmarc {
namespace {

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS messages (received INTEGER NOT NULL, job TEXT, reporter TEXT,"
    " ip TEXT, header_from TEXT, envelope_from TEXT, policy_domain TEXT, policy TEXT,"
    " disposition TEXT, result TEXT, dkim TEXT, spf_domain TEXT, spf_result TEXT,"
    " dkim_aligned INTEGER, spf_aligned INTEGER);"
    "CREATE INDEX IF NOT EXISTS messages_received ON messages(received);";

sqlite3* handle(void* p) { return static_cast<sqlite3*>(p); }

Unexpected<Error> db_error(void* db, std::string_view what) {
  return fail(Errc::temporary, std::string(what) + ": " + (db ? sqlite3_errmsg(handle(db)) : "no database"));
}

using Stmt = std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)>;

std::string column(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::string xml(std::string_view in) {
  std::string out;
  for (const char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
  }
  return out;
}

std::string pass_fail(bool aligned) { return aligned ? "pass" : "fail"; }

}  // namespace

SqliteHistoryStore::SqliteHistoryStore(std::string path) : path_(std::move(path)) {}

SqliteHistoryStore::~SqliteHistoryStore() {
  if (db_ != nullptr) sqlite3_close(handle(db_));
}

Result<void> SqliteHistoryStore::open_locked() {
  if (db_ != nullptr) return {};
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  db_ = db;  // sqlite3_open_v2 allocates a handle even on failure: closed below or in ~
  if (rc != SQLITE_OK) {
    auto e = db_error(db_, "open " + path_);
    sqlite3_close(db);
    db_ = nullptr;
    return e;
  }
  sqlite3_busy_timeout(db, 2000);  // several MX processes may share one file
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) return db_error(db_, "schema");
  return {};
}

Result<void> SqliteHistoryStore::add(const HistoryRecord& r) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return o;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(handle(db_), "INSERT INTO messages VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &raw,
                         nullptr) != SQLITE_OK)
    return db_error(db_, "prepare insert");
  Stmt s(raw, &sqlite3_finalize);
  sqlite3_bind_int64(raw, 1, r.received);
  const std::string* texts[] = {&r.job_id, &r.reporter, &r.source_ip, &r.header_from, &r.envelope_from,
                                &r.policy_domain, &r.policy, &r.disposition, &r.result, &r.dkim,
                                &r.spf_domain, &r.spf_result};
  int i = 2;
  for (const std::string* t : texts) sqlite3_bind_text(raw, i++, t->c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(raw, i++, r.dkim_aligned ? 1 : 0);
  sqlite3_bind_int(raw, i, r.spf_aligned ? 1 : 0);
  if (sqlite3_step(raw) != SQLITE_DONE) return db_error(db_, "insert");
  return {};
}

Result<std::vector<HistoryRecord>> SqliteHistoryStore::range(std::int64_t from, std::int64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto o = open_locked(); !o) return Unexpected<Error>(o.error());
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(handle(db_), "SELECT * FROM messages WHERE received >= ? AND received < ? ORDER BY received",
                         -1, &raw, nullptr) != SQLITE_OK)
    return db_error(db_, "prepare select");
  Stmt s(raw, &sqlite3_finalize);
  sqlite3_bind_int64(raw, 1, from);
  sqlite3_bind_int64(raw, 2, to);
  std::vector<HistoryRecord> out;
  int rc;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    HistoryRecord r;
    r.received = sqlite3_column_int64(raw, 0);
    std::string* texts[] = {&r.job_id, &r.reporter, &r.source_ip, &r.header_from, &r.envelope_from,
                            &r.policy_domain, &r.policy, &r.disposition, &r.result, &r.dkim,
                            &r.spf_domain, &r.spf_result};
    int i = 1;
    for (std::string* t : texts) *t = column(raw, i++);
    r.dkim_aligned = sqlite3_column_int(raw, i++) != 0;
    r.spf_aligned = sqlite3_column_int(raw, i) != 0;
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return db_error(db_, "select");
  return out;
}

std::string aggregate_report_xml(const ReportMeta& meta, const std::string& policy_domain,
                                 const std::vector<HistoryRecord>& records) {
  using Key = std::tuple<std::string, std::string, bool, bool, std::string, std::string, std::string, std::string>;
  std::map<Key, unsigned> rows;
  std::string policy = "none";
  for (const HistoryRecord& r : records) {
    if (!iequals(r.policy_domain, policy_domain)) continue;
    policy = r.policy;
    ++rows[{r.source_ip, r.disposition, r.dkim_aligned, r.spf_aligned, r.header_from, r.dkim,
            r.spf_domain, r.spf_result}];
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <report_metadata>\n";
  x += "    <org_name>" + xml(meta.org_name) + "</org_name>\n    <email>" + xml(meta.email) + "</email>\n";
  x += "    <report_id>" + xml(meta.report_id) + "</report_id>\n    <date_range>\n      <begin>" +
       std::to_string(meta.begin) + "</begin>\n      <end>" + std::to_string(meta.end) +
       "</end>\n    </date_range>\n  </report_metadata>\n";
  x += "  <policy_published>\n    <domain>" + xml(policy_domain) + "</domain>\n    <p>" + xml(policy) +
       "</p>\n    <sp>" + xml(policy) + "</sp>\n    <pct>100</pct>\n  </policy_published>\n";
  for (const auto& [k, n] : rows) {
    const auto& [ip, dis, dkim_al, spf_al, from, dkim, spf_domain, spf_result] = k;
    x += "  <record>\n    <row>\n      <source_ip>" + xml(ip) + "</source_ip>\n      <count>" +
         std::to_string(n) + "</count>\n      <policy_evaluated>\n        <disposition>" + xml(dis) +
         "</disposition>\n        <dkim>" + pass_fail(dkim_al) + "</dkim>\n        <spf>" + pass_fail(spf_al) +
         "</spf>\n      </policy_evaluated>\n    </row>\n    <identifiers>\n      <header_from>" + xml(from) +
         "</header_from>\n    </identifiers>\n    <auth_results>\n";
    for (std::string_view d : split(dkim, ',')) {
      const auto colon = d.rfind(':');
      if (colon == std::string::npos) continue;
      x += "      <dkim>\n        <domain>" + xml(d.substr(0, colon)) + "</domain>\n        <result>" +
           xml(d.substr(colon + 1)) + "</result>\n      </dkim>\n";
    }
    x += "      <spf>\n        <domain>" + xml(spf_domain) + "</domain>\n        <result>" + xml(spf_result) +
         "</result>\n      </spf>\n    </auth_results>\n  </record>\n";
  }
  return x + "</feedback>\n";
}

}  // namespace cachet::dmarc
