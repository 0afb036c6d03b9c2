// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/failure_reports.hpp: cachet-dmarc's failure reports (ruf) from its options:
//   FailureReports        on/off (off by default, as opendmarc)
//   FailureReportsOnNone  also for failing mail whose policy is p=none
//   FailureReportsBcc     addresses (comma or space separated) that get a copy of every
//                         report; with no usable ruf target they are the only recipients
//   FailureReportsSentBy  From: of the reports ("addr" or "Name <addr>"; default
//                         <user>@<host name>, the user being UserID's or the one running)
//   FailureReportsRateLimit  reports per policy domain per hour (cachet's option)
//   ReportCommand         its first word is the sendmail(1) program; the arguments are ours
//                         (`-i -f <sender> -- <recipient>`), opendmarc's `-t` is not used.
// failure_config() validates them (check mode lists every problem); FailureOutputs (owned by
// DmarcDaemon) builds the FailureState each DmarcState holds: the options, the sender (this
// configuration's resolver, organizational-domain finder and sendmail) and the one
// FailureReporter (queue + thread, common/dmarc/report_failure_queue.hpp), which outlives
// reloads so that neither its queue nor its rate limits reset.
// Thread-safety: FailureOutputs is locked inside; the rest is built once, then read-only.
// See also: settings.hpp, session.cpp (submits), common/dmarc/report_failure_job.hpp
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/guarded.hpp"
#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/report_failure_job.hpp"
#include "common/dmarc/report_failure_queue.hpp"
#include "common/dns/resolver.hpp"
#include "common/log/logger.hpp"

namespace cachet::dmarcd {

struct FailureConfig {
  bool enabled = false;
  dmarc::FailureReportOptions options;
  std::string sent_by, envelope_from;
  std::vector<std::string> bcc;
  std::string sendmail;
  unsigned per_hour = 10;
};

// The options above, checked; each bad one is a problem in `problems` (located at its line).
FailureConfig failure_config(const config::Config& cfg, std::vector<config::Problem>& problems);

struct FailureState {
  dmarc::FailureReportOptions options;
  std::shared_ptr<const dmarc::FailureSender> sender;
  std::shared_ptr<dmarc::FailureReporter> reporter;
};

class FailureOutputs {
 public:
  // Null when FailureReports is off. resolver: the state's (kept alive by the sender); psl:
  // the state's public suffix list (null: the DMARCbis tree walk decides s7.1's
  // organizational domains). Errors: Errc::config (a bad FailureReports* option).
  [[nodiscard]] Result<std::shared_ptr<const FailureState>> state_for(
      const config::Config& cfg, std::shared_ptr<dns::Resolver> resolver,
      std::shared_ptr<const dmarc::PublicSuffixList> psl, log::Logger& logger);

 private:
  Guarded<std::weak_ptr<dmarc::FailureReporter>> reporter_;
};

}  // namespace cachet::dmarcd
