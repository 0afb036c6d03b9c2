// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/failure.cpp: see failure.hpp.
#include "common/dmarc/import/failure.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/import/mime.hpp"
#include "common/mail/address.hpp"

namespace cachet::dmarc::import {

Result<FailureReport> parse_failure_report(std::string_view feedback, std::string_view original) {
  auto fields = mail::split_message(feedback);
  if (!fields) return fail(Errc::bad_input, "feedback report: " + fields.error().detail);
  const auto& h = fields->headers;
  FailureReport r;
  r.feedback_type = to_lower(header_value(h, "Feedback-Type"));
  if (r.feedback_type.empty()) return fail(Errc::bad_input, "feedback report without Feedback-Type");
  if (r.feedback_type != "auth-failure")
    return fail(Errc::bad_input,
                "an ARF report of type '" + r.feedback_type + "', not a DMARC failure report (auth-failure)");
  r.user_agent = header_value(h, "User-Agent");
  r.version = header_value(h, "Version");
  r.auth_failure = to_lower(header_value(h, "Auth-Failure"));
  r.reported_domain = to_lower(header_value(h, "Reported-Domain"));
  r.source_ip = header_value(h, "Source-IP");
  r.arrival_date = header_value(h, "Arrival-Date");
  if (r.arrival_date.empty()) r.arrival_date = header_value(h, "Received-Date");
  r.delivery_result = header_value(h, "Delivery-Result");
  r.original_mail_from = header_value(h, "Original-Mail-From");
  r.original_rcpt_to = header_value(h, "Original-Rcpt-To");
  r.authentication_results = header_value(h, "Authentication-Results");
  r.dkim_domain = header_value(h, "DKIM-Domain");
  r.dkim_selector = header_value(h, "DKIM-Selector");
  r.spf_dns = header_value(h, "SPF-DNS");
  r.identity_alignment = header_value(h, "Identity-Alignment");
  if (!original.empty()) {
    if (auto o = mail::split_message(original); o) {
      r.header_from = header_value(o->headers, "From");
      r.subject = header_value(o->headers, "Subject");
      r.message_id = header_value(o->headers, "Message-ID");
      r.date = header_value(o->headers, "Date");
    }
  }
  if (r.reported_domain.empty() && !r.header_from.empty())
    if (auto d = mail::from_domains(r.header_from); d && !d->empty()) r.reported_domain = d->front();
  if (r.reported_domain.empty())
    return fail(Errc::bad_input, "failure report names no domain (no Reported-Domain, no original From)");
  return r;
}

}  // namespace cachet::dmarc::import
