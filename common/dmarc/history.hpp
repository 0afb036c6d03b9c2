// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/history.hpp: what cachet-dmarc records per evaluated message for RFC 7489
// aggregate reports (the facts opendmarc's HistoryFile holds), a store interface, the
// SQLite store (one table `messages`, opened lazily on first use so that it is created by
// the unprivileged daemon user), and the aggregate report XML (RFC 7489 appendix C).
// Thread-safety: SqliteHistoryStore serialises its calls with a mutex; the XML builder
// is pure. Errors: Errc::temporary for database trouble (the caller logs and goes on: a
// history failure never changes a verdict).
// LIMITATION: policy_published carries p (and sp = p, pct = 100 unless recorded); the
// record's adkim/aspf are not stored. No PostgreSQL store yet.
// See also: milters/dmarc/session.cpp (writer), tools/cachetctl/cmd_dmarc_report.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc {

struct HistoryRecord {
  std::int64_t received = 0;  // seconds since the epoch
  std::string job_id, reporter, source_ip;
  std::string header_from, envelope_from, policy_domain;
  std::string policy = "none", disposition = "none", result = "none";
  std::string dkim;  // "domain:result" pairs, comma separated ("" = none)
  std::string spf_domain, spf_result = "none";
  bool dkim_aligned = false, spf_aligned = false;
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  [[nodiscard]] virtual Result<void> add(const HistoryRecord& r) = 0;
  // Records with from <= received < to, oldest first.
  [[nodiscard]] virtual Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) = 0;
};

class SqliteHistoryStore final : public HistoryStore {
 public:
  explicit SqliteHistoryStore(std::string path);
  ~SqliteHistoryStore() override;
  SqliteHistoryStore(const SqliteHistoryStore&) = delete;
  SqliteHistoryStore& operator=(const SqliteHistoryStore&) = delete;
  Result<void> add(const HistoryRecord& r) override;
  Result<std::vector<HistoryRecord>> range(std::int64_t from, std::int64_t to) override;

 private:
  Result<void> open_locked();
  std::string path_;
  std::mutex mu_;
  void* db_ = nullptr;  // sqlite3*, kept opaque so the header needs no sqlite3.h
};

struct ReportMeta {
  std::string org_name, email, report_id;
  std::int64_t begin = 0, end = 0;
};

// One aggregate report (one policy domain): rows grouped by source IP, disposition,
// alignment, header from and auth results. XML-escaped throughout.
std::string aggregate_report_xml(const ReportMeta& meta, const std::string& policy_domain,
                                 const std::vector<HistoryRecord>& records);

}  // namespace cachet::dmarc
