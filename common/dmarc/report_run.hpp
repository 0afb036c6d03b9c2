// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_run.hpp: one run of `cachetctl dmarc-report send`: for every whole
// period in [since, now) and every policy domain with history in it, build the aggregate
// report once and hand it to each rua target that still needs it, recording every
// outcome in the ledger:
//   claim (domain, period) in the ledger (another host or run has it -> skip)
//   -> recipients already sent or skipped are left alone (a rerun sends nothing twice)
//   -> s7.1 check (try_later -> failed, retried next run; not authorized -> skipped)
//   -> the message; over the target's !size -> skipped ("say so": logged)
//   -> Delivery (sendmail, or .eml files) -> sent / failed
//   -> release the claim, done when nothing is left to retry.
// Refused rua entries (not mailto, garbage) are logged once per report, never mailed.
// Mode dry_run builds everything, sends nothing and records nothing (not even claims).
// Failures of the database stop the run (Errc::temporary): what was recorded stays.
// History is read in 10-minute slices into an incremental AggregateBuilder: memory holds one
// slice plus the distinct rows (1,000,000 rows, 1,000 domains: 25 MiB peak, 15 s on SQLite).
// Everything outside is injected (store, ledger, resolver, org-domain finder, delivery,
// logger), so the unit tests drive whole runs. Single-threaded.
// See also: report_aggregate.hpp, report_rua.hpp, report_mail.hpp, report_ledger.hpp,
// report_delivery.hpp, tools/cachetctl/cmd_dmarc_report_send.cpp
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/base/result.hpp"
#include "common/dmarc/history.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/report_aggregate.hpp"
#include "common/dmarc/report_ledger.hpp"
#include "common/dns/resolver.hpp"
#include "common/log/logger.hpp"

namespace cachet::dmarc {

// Where a finished message goes. Errors: temporary (try again next run) or permanent
// (recorded as failed too: a later run tries again, the operator reads the log).
class ReportDelivery {
 public:
  virtual ~ReportDelivery() = default;
  [[nodiscard]] virtual Result<void> deliver(const std::string& from, const std::string& to,
                                             const std::string& file_stem, const std::string& message) = 0;
};

struct ReportRunOptions {
  std::string report_email;    // sender address and <email> of the report
  std::string report_org;      // <org_name>; empty: the receiver domain
  std::string report_contact;  // <extra_contact_info>; may be empty
  std::string generator = "cachet " CACHET_VERSION;
  std::string discovery_method;  // "psl" / "treewalk"
  ReportShape shape = ReportShape::rfc9990;
  std::int64_t since = 0, now = 0, period = kDaySeconds;
  std::string only_domain;  // "" = every domain
  std::string owner;        // claim owner: host, pid, random
  std::int64_t stale_after = 3600;
  bool dry_run = false;                 // no claims, no ledger rows, no delivery
  bool record = true;                   // false with --out: files only, the ledger untouched
  std::function<std::string()> unique;  // Message-ID randomness
};

struct ReportRunStats {
  unsigned reports = 0, sent = 0, failed = 0, skipped = 0, already = 0, claimed_elsewhere = 0;
};

[[nodiscard]] Result<ReportRunStats> run_aggregate_reports(const ReportRunOptions& opt, HistoryStore& store,
                                                           ReportLedger& ledger, dns::Resolver& resolver,
                                                           const OrgDomainFinder& orgs, ReportDelivery& delivery,
                                                           log::Logger& logger);

}  // namespace cachet::dmarc
