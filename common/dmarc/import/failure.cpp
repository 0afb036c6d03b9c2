// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/failure.cpp: see failure.hpp.
#include "common/dmarc/import/failure.hpp"

#include <map>

#include "common/base/strings.hpp"
#include "common/dmarc/import/mime.hpp"
#include "common/dns/name.hpp"
#include "common/mail/address.hpp"

namespace cachet::dmarc::import {
namespace {

// The original message's header fields a report names.
void read_original(std::string_view original, FailureReport& r) {
  auto o = mail::split_message(original);
  if (!o) return;
  r.header_from = header_value(o->headers, "From");
  r.subject = header_value(o->headers, "Subject");
  r.message_id = header_value(o->headers, "Message-ID");
  r.date = header_value(o->headers, "Date");
}

// The fields go into TEXT columns, and PostgreSQL refuses invalid UTF-8 and NUL: a report
// with a Latin-1 Subject would fail as "database trouble" and Postfix would retry it for
// days. Such bytes become U+FFFD.
std::string as_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0 || s[i] == '\0') {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

FailureReport as_utf8(FailureReport r) {
  for (std::string* f :
       {&r.feedback_type, &r.user_agent, &r.version, &r.auth_failure, &r.reported_domain, &r.source_ip, &r.arrival_date,
        &r.delivery_result, &r.original_mail_from, &r.original_rcpt_to, &r.authentication_results, &r.dkim_domain,
        &r.dkim_selector, &r.spf_dns, &r.identity_alignment, &r.header_from, &r.subject, &r.message_id, &r.date})
    *f = as_utf8(*f);
  return r;
}

// RFC 6591 s3.2's Delivery-Result for the action a plain-text notice names ("" if unknown).
std::string delivery_result_of(std::string_view results) {
  const auto comma = results.rfind(',');
  const std::string action = to_lower(trim(comma == std::string_view::npos ? results : results.substr(comma + 1)));
  if (action == "accept" || action == "none") return "delivered";
  if (action == "quarantine") return "spam";
  if (action == "reject") return "reject";
  return "";
}

}  // namespace

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
  if (!original.empty()) read_original(original, r);
  if (r.reported_domain.empty() && !r.header_from.empty())
    if (auto d = mail::from_domains(r.header_from); d && !d->empty()) r.reported_domain = d->front();
  if (r.reported_domain.empty())
    return fail(Errc::bad_input, "failure report names no domain (no Reported-Domain, no original From)");
  return as_utf8(std::move(r));
}

Result<FailureReport> parse_failure_notice(std::string_view text) {
  static constexpr std::string_view kLabels[] = {"sender domain", "sender ip address", "received date",
                                                 "spf alignment", "dkim alignment",    "dmarc results"};
  std::map<std::string_view, std::string> fields;
  std::size_t pos = 0;
  std::string_view original;
  while (pos < text.size()) {
    const std::size_t lf = text.find('\n', pos);
    const std::string_view line = text.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos);
    pos = lf == std::string_view::npos ? text.size() : lf + 1;
    if (line.substr(0, 6) == "------") {  // the copy of the original header section follows
      original = text.substr(pos);
      break;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string label = to_lower(trim(line.substr(0, colon)));
    for (std::string_view known : kLabels) {
      if (label != known) continue;
      if (fields.count(known)) return fail(Errc::bad_input, "plain-text failure notice: '" + label + "' given twice");
      fields[known] = std::string(trim(line.substr(colon + 1)));
    }
  }
  if (to_lower(text.substr(0, pos)).find("dmarc") == std::string::npos)
    return fail(Errc::bad_input, "not a DMARC failure notice: the text does not mention DMARC");
  if (!fields.count("sender domain") || !fields.count("sender ip address"))
    return fail(Errc::bad_input,
                "not a known failure-notice layout: no 'Sender Domain:' and 'Sender IP Address:' lines");
  if (!fields.count("spf alignment") && !fields.count("dkim alignment") && !fields.count("dmarc results"))
    return fail(Errc::bad_input, "not a known failure-notice layout: no alignment or 'DMARC Results:' line");
  FailureReport r;
  auto domain = mail::normalize_domain(fields["sender domain"]);
  if (!domain || !mail::is_ldh_domain(*domain) || domain->find('.') == std::string::npos)
    return fail(Errc::bad_input,
                "plain-text failure notice: Sender Domain '" + fields["sender domain"] + "' is not a domain name");
  r.source_ip = fields["sender ip address"];
  if (dns::reverse_name(r.source_ip).empty())
    return fail(Errc::bad_input,
                "plain-text failure notice: Sender IP Address '" + r.source_ip + "' is not an IP address");
  r.is_plain_text = true;
  r.feedback_type = "auth-failure";
  r.auth_failure = "dmarc";
  r.reported_domain = std::move(*domain);
  r.arrival_date = fields["received date"];
  r.delivery_result = delivery_result_of(fields["dmarc results"]);
  const bool spf = iequals(fields["spf alignment"], "yes"), dkim = iequals(fields["dkim alignment"], "yes");
  if (fields.count("spf alignment") || fields.count("dkim alignment"))
    r.identity_alignment = dkim && spf ? "dkim, spf" : dkim ? "dkim" : spf ? "spf" : "none";
  const std::size_t body = original.find_first_not_of("\r\n");
  if (body != std::string_view::npos) read_original(original.substr(body), r);
  return as_utf8(std::move(r));
}

}  // namespace cachet::dmarc::import
