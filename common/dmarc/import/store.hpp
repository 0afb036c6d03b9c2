// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/store.hpp: imported DMARC reports, in the same database as the
// history (SQLite file or PostgreSQL; ../store/sql.hpp), in three tables of their own:
//   dmarc_aggregate_reports  one row per aggregate report, UNIQUE (org, report_id), where
//                            org is <org_name>, or <email> when the name is empty
//   dmarc_aggregate_records  its rows (source_ip, count, policy_evaluated, identifiers,
//                            auth results as "domain:selector:result,..." lists)
//   dmarc_failure_reports    one row per failure report, UNIQUE (report_key): the report
//                            mail's Message-ID, else reporter + ARF fields
// Each report is one transaction: stored whole or not at all; a report already there is a
// duplicate and changes nothing (so importing a mailbox twice changes nothing).
// A report whose policy domain is not among `our_domains` (when that list is not empty) is
// stored with is_foreign = 1, never dropped.
// Not thread-safe (one SqlConn). Errors: Errc::temporary (database), as ../store/sql.hpp.
// See also: report_mail.hpp, summary.hpp, tools/cachetctl/cmd_dmarc_import.cpp
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/import/aggregate.hpp"
#include "common/dmarc/import/failure.hpp"
#include "common/dmarc/store/sql.hpp"

namespace cachet::dmarc::import {

enum class AddOutcome { added, duplicate };

// One aggregate record with its report's fields, for summaries and the dashboard.
struct StoredRecord {
  std::string domain, org;
  std::int64_t begin = 0, end = 0;
  bool is_foreign = false;
  std::string source_ip;
  std::uint64_t count = 0;
  std::string disposition, dkim, spf, header_from, envelope_from;
  std::string dkim_results, spf_results;  // "domain:selector:result,..."
};

struct StoredFailure {
  std::string reporter, domain, source_ip, arrival_date, auth_failure, delivery_result;
  std::string header_from, subject, original_mail_from;
  std::int64_t imported = 0;
};

struct StoreCounts {
  std::uint64_t reports = 0, records = 0, messages = 0, failures = 0;
};

class ReportStore {
 public:
  ReportStore(std::unique_ptr<SqlConn> conn, std::set<std::string> our_domains);

  // Creates the tables if missing. Called by open_report_store().
  [[nodiscard]] Result<void> init();

  // `source`: where it came from (file name, attachment), kept for the admin.
  [[nodiscard]] Result<AddOutcome> add_aggregate(const AggregateReport& r, std::string_view source, std::int64_t now);
  // `reporter`: the report mail's From; `mail_id`: its Message-ID ("" when none).
  [[nodiscard]] Result<AddOutcome> add_failure(const FailureReport& f, std::string_view reporter,
                                               std::string_view mail_id, std::string_view source, std::int64_t now);

  // Records of reports whose period ends at or after `since`; domain "" = every domain.
  [[nodiscard]] Result<std::vector<StoredRecord>> records(std::int64_t since, std::string_view domain);
  [[nodiscard]] Result<std::vector<StoredFailure>> failures(std::int64_t since, std::string_view domain);
  [[nodiscard]] Result<StoreCounts> counts();

  std::string describe() const { return conn_->describe(); }

 private:
  std::unique_ptr<SqlConn> conn_;
  std::set<std::string> our_domains_;
  [[nodiscard]] bool is_foreign(const std::string& domain) const;
};

// Opens `spec` (as HistoryDatabase) and creates the tables. Errors: as open_sql(), init().
[[nodiscard]] Result<std::unique_ptr<ReportStore>> open_report_store(std::string_view spec,
                                                                     std::set<std::string> our_domains = {});

// The dedup key of an aggregate report: org_name, or email when the name is empty.
std::string report_org(const AggregateReport& r);

}  // namespace cachet::dmarc::import
