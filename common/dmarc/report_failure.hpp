// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_failure.hpp: the pure parts of DMARC failure reports (ruf; RFC 7489
// s7.3, RFC 9991) in the ARF format (RFC 5965, RFC 6591 auth-failure):
//   wants_failure_report(): the fo= decision (0: no mechanism gave an aligned pass; 1: some
//     mechanism did not; d: a DKIM signature failed to verify; s: SPF failed), fo being
//     the colon list as published ("" reads as "0");
//   FailureRateLimiter: at most N reports per policy domain per window, memory bounded;
//   build_failure_report(): multipart/report; report-type=feedback-report with a short text
//     part, the message/feedback-report part (Feedback-Type: auth-failure, Version: 1,
//     User-Agent, Original-Mail-From, Arrival-Date, Source-IP, Reported-Domain,
//     Authentication-Results, Auth-Failure: dmarc, Identity-Alignment, DKIM-Domain and
//     DKIM-Selector when known, Delivery-Result) and the original header block as
//     text/rfc822-headers. The body is never included (RFC 9991 s7 privacy advice: the
//     redacted form is the default, and the only one here).
// Header values are passed through header_safe() (report_mail.hpp): controls cannot add
// fields. Pure: the clock and the randomness are arguments. Any thread, except that one
// FailureRateLimiter is one thread's (wrap it in a lock to share it).
// cachet-dmarc decides with report_failure_job.hpp and sends with report_failure_queue.hpp.
// See also: report_rua.hpp, report_mail.hpp, tests/unit/common/dmarc/report_failure_test.cpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cachet::dmarc {

inline constexpr std::size_t kMaxRateLimitedDomains = 10000;
inline constexpr std::size_t kMaxReportedHeaderBytes = 64 * 1024;

struct FailureFacts {
  bool dkim_aligned_pass = false, spf_aligned_pass = false;
  bool any_dkim_fail = false;  // some signature did not verify (fo=d)
  bool spf_fail = false;       // SPF result was not pass (fo=s)
};

bool wants_failure_report(std::string_view fo, const FailureFacts& f) noexcept;

class FailureRateLimiter {
 public:
  FailureRateLimiter(unsigned per_window, std::int64_t window_seconds)
      : per_window_(per_window), window_(window_seconds) {}
  // True (and counted) if `domain` may get one more report at `now`. When
  // kMaxRateLimitedDomains are tracked, windows that ended are dropped first; if none
  // has, the report is refused (a flood of distinct domains cannot grow memory).
  bool allow(std::string_view domain, std::int64_t now);

 private:
  struct Window {
    std::int64_t start = 0;
    unsigned count = 0;
  };
  unsigned per_window_;
  std::int64_t window_;
  std::map<std::string, Window, std::less<>> windows_;
};

struct FailureReport {
  std::string from, to;       // FailureReportsSentBy; one ruf address
  std::string reporting_mta;  // our host name
  std::string policy_domain;  // Reported-Domain
  std::string source_ip, envelope_from;
  std::string authentication_results;      // the value of our A-R field
  std::string identity_alignment;          // "none", "dkim", "spf" or "dkim, spf"
  std::string dkim_domain, dkim_selector;  // of a failed signature, when there was one
  std::string delivery_result;             // "delivered", "reject", "policy" (quarantine), "other"
  std::string original_headers;            // the header block as received (cut at kMaxReportedHeaderBytes)
  std::int64_t arrival = 0, date = 0;
  std::string unique;  // random hex for the boundary and Message-ID
};

std::string build_failure_report(const FailureReport& r);

}  // namespace cachet::dmarc
