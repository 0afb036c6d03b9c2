// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_failure_queue.hpp: sends DMARC failure reports (report_failure_job.hpp)
// off the milter threads, so that DNS checks and sendmail never delay or refuse mail.
// submit() (any thread) applies the per-policy-domain rate limit (FailureRateLimiter,
// report_failure.hpp: at most per_hour reports per domain per hour; checked here, under the
// queue's lock, so that a flood from one domain never fills the queue for the others) and
// appends to a bounded in-memory queue (capacity jobs; beyond it a job is dropped and
// counted, with one `dmarc.failure_queue_full` warning until the queue drains to half).
// One worker thread, started by the first submit() (the daemon may fork after loading its
// state), takes one job at a time and for each ruf target:
//   RFC 7489 s7.1 external destination check (authorize_target(), report_rua.hpp): a
//   target outside the policy domain's organizational domain without its
//   `_report._dmarc` record gets nothing (outcome=unauthorized); a temporary DNS failure
//   skips it too (outcome=dns_error: failure reports are not retried);
//   -> the ARF message (build_failure_report()), not sent over the target's !size limit
//   (outcome=too_big) -> the ReportDelivery (sendmail) -> outcome=sent or failed;
// then one copy to each FailureReportsBcc address (no s7.1 check: the operator's own).
// One `dmarc.failure_report qid=... domain=... to=... outcome=...` line per recipient (refused
// ruf entries: outcome=refused). Delivery failures are logged, not retried: a failure
// report is a notice about one message, not a record to keep.
// The destructor finishes the job in hand, drops (and counts, `dmarc.failure_reports_lost`)
// what is still queued, and joins the worker: destroy it while the logger still exists.
// An exception in the worker is logged (`dmarc.failure_report_error`) and the job dropped.
// Thread-safety: submit() and stats() from any thread.
// See also: report_failure.hpp, report_rua.hpp, report_delivery.hpp, history_writer.hpp
// (the same queue discipline), milters/dmarc/failure_reports.hpp
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/dmarc/org_domain.hpp"
#include "common/dmarc/report_failure_job.hpp"
#include "common/dmarc/report_run.hpp"
#include "common/dns/resolver.hpp"
#include "common/log/logger.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kFailureQueueCapacity = 256;  // jobs of <= 64 KiB headers: <= 16 MiB
inline constexpr std::int64_t kFailureRateWindow = 3600;

// How the reports of one configuration go out. Shared by the jobs queued under it, so a
// reload never changes a job in flight. The worker alone calls into it.
struct FailureSender {
  std::string sent_by;                          // From: field (FailureReportsSentBy)
  std::string envelope_from;                    // sendmail -f: the address inside sent_by
  std::vector<std::string> bcc;                 // FailureReportsBcc addresses
  unsigned per_hour = 10;                       // reports per policy domain per hour
  std::shared_ptr<dns::Resolver> resolver;      // s7.1 TXT lookups
  std::shared_ptr<const OrgDomainFinder> orgs;  // s7.1 same-organization test
  std::shared_ptr<ReportDelivery> delivery;     // sendmail
  std::function<std::string()> unique;          // boundary and Message-ID randomness
  std::function<std::int64_t()> now;            // the Date: field
};

class FailureReporter {
 public:
  struct Stats {
    std::uint64_t sent = 0, failed = 0, skipped = 0, limited = 0, dropped = 0;
    std::size_t pending = 0;
  };

  FailureReporter(log::Logger& logger, std::size_t capacity = kFailureQueueCapacity);
  ~FailureReporter();
  FailureReporter(const FailureReporter&) = delete;
  FailureReporter& operator=(const FailureReporter&) = delete;

  // Queues `job` to go out through `sender`; `now` (seconds) is the rate limiter's clock.
  // Never blocks on I/O: false when the rate limit or the full queue refused the job.
  bool submit(FailureJob job, std::shared_ptr<const FailureSender> sender, std::int64_t now);
  Stats stats() const;
  // Tests: true once every job submitted so far is done (false after the timeout).
  bool wait_idle_for_test(std::chrono::milliseconds timeout);

 private:
  struct Queued {
    FailureJob job;
    std::shared_ptr<const FailureSender> sender;
  };
  void run();
  void process(const Queued& q);
  void send_one(const Queued& q, const std::string& to, const RuaTarget* target);
  void log_outcome(const Queued& q, std::string_view to, std::string_view outcome, std::string_view reason = {});

  log::Logger& logger_;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Queued> queue_;
  bool busy_ = false, stop_ = false, drop_logged_ = false;
  unsigned limiter_per_hour_ = 0;
  std::unique_ptr<FailureRateLimiter> limiter_;
  Stats stats_;
  std::thread worker_;  // last: started after everything above exists
};

}  // namespace cachet::dmarc
