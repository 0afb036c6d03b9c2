// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_failure.cpp: see report_failure.hpp.
#include "common/dmarc/report_failure.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/report_mail.hpp"

namespace cachet::dmarc {

bool wants_failure_report(std::string_view fo, const FailureFacts& f) noexcept {
  bool any_option = false, wanted = false;
  for (std::string_view opt : split(fo, ':')) {
    opt = trim(opt);
    if (opt == "0")
      wanted = wanted || (!f.dkim_aligned_pass && !f.spf_aligned_pass);
    else if (opt == "1")
      wanted = wanted || !f.dkim_aligned_pass || !f.spf_aligned_pass;
    else if (opt == "d" || opt == "D")
      wanted = wanted || f.any_dkim_fail;
    else if (opt == "s" || opt == "S")
      wanted = wanted || f.spf_fail;
    else
      continue;  // unknown options are ignored (RFC 7489 s6.3)
    any_option = true;
  }
  if (!any_option) return !f.dkim_aligned_pass && !f.spf_aligned_pass;  // the default, fo=0
  return wanted;
}

bool FailureRateLimiter::allow(std::string_view domain, std::int64_t now) {
  auto it = windows_.find(domain);
  if (it == windows_.end()) {
    if (windows_.size() >= kMaxRateLimitedDomains) {
      for (auto w = windows_.begin(); w != windows_.end();)
        w = now - w->second.start >= window_ ? windows_.erase(w) : std::next(w);
      if (windows_.size() >= kMaxRateLimitedDomains) return false;
    }
    it = windows_.emplace(std::string(domain), Window{now, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start >= window_) w = Window{now, 0};
  if (w.count >= per_window_) return false;
  ++w.count;
  return true;
}

std::string build_failure_report(const FailureReport& r) {
  const std::string boundary = "=_cachet_arf_" + header_safe(r.unique);
  const std::string domain = header_safe(r.policy_domain), ip = header_safe(r.source_ip);
  std::string x;
  x += "From: " + header_safe(r.from) + "\n";
  x += "To: <" + header_safe(r.to) + ">\n";
  x += "Date: " + rfc5322_date(r.date) + "\n";
  x += "Message-ID: <arf." + header_safe(r.unique) + "@" + header_safe(r.reporting_mta) + ">\n";
  x += "Subject: DMARC failure report for " + domain + " (ip=" + ip + ")\n";
  x += "MIME-Version: 1.0\n";
  x += "Content-Type: multipart/report; report-type=feedback-report; boundary=\"" + boundary + "\"\n";
  x += "Auto-Submitted: auto-generated\n\n";
  x += "--" + boundary + "\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n";
  x += "A message claiming to be from " + domain + " failed DMARC authentication at " + header_safe(r.reporting_mta) +
       ".\nSource IP: " + ip + ". The message body is not included.\n\n";
  x += "--" + boundary + "\nContent-Type: message/feedback-report\n\n";
  x += "Feedback-Type: auth-failure\nUser-Agent: cachet/" CACHET_VERSION "\nVersion: 1\n";
  if (!r.envelope_from.empty()) x += "Original-Mail-From: " + header_safe(r.envelope_from) + "\n";
  x += "Arrival-Date: " + rfc5322_date(r.arrival) + "\n";
  x += "Reporting-MTA: dns; " + header_safe(r.reporting_mta) + "\n";
  x += "Source-IP: " + ip + "\n";
  x += "Reported-Domain: " + domain + "\n";
  if (!r.authentication_results.empty()) x += "Authentication-Results: " + header_safe(r.authentication_results) + "\n";
  x += "Auth-Failure: dmarc\n";
  x += "Identity-Alignment: " +
       (r.identity_alignment.empty() ? std::string("none") : header_safe(r.identity_alignment)) + "\n";
  if (!r.dkim_domain.empty()) x += "DKIM-Domain: " + header_safe(r.dkim_domain) + "\n";
  if (!r.dkim_selector.empty()) x += "DKIM-Selector: " + header_safe(r.dkim_selector) + "\n";
  if (!r.delivery_result.empty()) x += "Delivery-Result: " + header_safe(r.delivery_result) + "\n";
  x += "\n--" + boundary + "\nContent-Type: text/rfc822-headers\n\n";
  // The original header block, line structure kept (folding included), CRs dropped, cut
  // at the blank line and at a line boundary within kMaxReportedHeaderBytes: never the body.
  std::string headers;
  for (const char c : std::string_view(r.original_headers).substr(0, kMaxReportedHeaderBytes))
    if (c != '\r') headers += c;
  if (const auto blank = headers.find("\n\n"); blank != std::string::npos) headers.resize(blank + 1);
  const auto last = headers.rfind('\n');
  headers.resize(last == std::string::npos ? 0 : last + 1);
  x += headers;
  x += "\n--" + boundary + "--\n";
  return x;
}

}  // namespace cachet::dmarc
