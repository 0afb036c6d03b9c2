// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/import/report_mail.cpp: see report_mail.hpp.
#include "common/dmarc/import/report_mail.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/import/archive.hpp"
#include "common/dmarc/import/mime.hpp"

namespace cachet::dmarc::import {
namespace {

bool ends_with_i(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

bool is_report_attachment(const MimePart& p) {
  const std::string& t = p.content_type.type;
  for (std::string_view k : {"application/zip", "application/x-zip", "application/x-zip-compressed", "application/gzip",
                             "application/x-gzip", "application/xml", "text/xml"})
    if (t == k) return true;
  if (t.rfind("text/", 0) == 0 || t.rfind("message/", 0) == 0 || t.rfind("multipart/", 0) == 0) return false;
  if (t.find("tlsrpt") != std::string::npos) return false;
  for (std::string_view ext : {".zip", ".gz", ".xml"})
    if (ends_with_i(p.filename, ext)) return true;
  return false;
}

}  // namespace

std::string_view skip_mbox_from_line(std::string_view raw) noexcept {
  if (raw.substr(0, 5) != "From ") return raw;
  const auto lf = raw.find('\n');
  return lf == std::string_view::npos ? std::string_view() : raw.substr(lf + 1);
}

Result<AggregateReport> parse_report_file(std::string_view bytes) {
  auto xml = unpack_report(bytes);
  if (!xml) return Unexpected<Error>(xml.error());
  return parse_aggregate_report(*xml);
}

Result<ReportMail> scan_report_mail(std::string_view raw) {
  raw = skip_mbox_from_line(raw);
  auto top = mail::split_message(raw);
  if (!top) return fail(Errc::bad_input, "not a mail: " + top.error().detail);
  ReportMail mail;
  mail.message_id = header_value(top->headers, "Message-ID");
  mail.from = header_value(top->headers, "From");
  mail.subject = header_value(top->headers, "Subject");
  auto parts = walk_mime(raw);
  if (!parts) return Unexpected<Error>(parts.error());
  const MimePart* feedback = nullptr;
  const MimePart* original = nullptr;
  bool has_tls_report = false;
  for (const MimePart& p : *parts) {
    const std::string& t = p.content_type.type;
    if (t == "message/feedback-report")
      feedback = feedback ? feedback : &p;
    else if (t == "message/rfc822" || t == "text/rfc822-headers")
      original = original ? original : &p;
    else if (t.find("tlsrpt") != std::string::npos)
      has_tls_report = true;
    if (!is_report_attachment(p)) continue;
    FoundReport found;
    found.source = p.filename.empty() ? p.content_type.type : p.filename;
    if (auto rep = parse_report_file(p.body))
      found.aggregate = std::move(*rep);
    else
      found.error = rep.error().detail;
    mail.reports.push_back(std::move(found));
  }
  if (feedback != nullptr) {
    FoundReport found;
    found.source = "feedback report";
    if (auto f = parse_failure_report(feedback->body, original ? std::string_view(original->body) : std::string_view()))
      found.failure = std::move(*f);
    else
      found.error = f.error().detail;
    mail.reports.push_back(std::move(found));
  }
  if (!mail.reports.empty()) return mail;
  if (has_tls_report) return fail(Errc::bad_input, "an SMTP TLS report (RFC 8460), not a DMARC report: not imported");
  // No attachment, no ARF part: a failure notice in plain text (failure.hpp says which).
  std::string why_not;
  for (const MimePart& p : *parts) {
    if (p.content_type.type != "text/plain") continue;
    auto notice = parse_failure_notice(p.body);
    if (!notice) {
      if (why_not.empty()) why_not = notice.error().detail;
      continue;
    }
    FoundReport found;
    found.source = "plain-text failure notice";
    found.failure = std::move(*notice);
    mail.reports.push_back(std::move(found));
    return mail;  // one notice per mail, as one ARF part per mail
  }
  if (to_lower(mail.subject).find("dmarc") != std::string::npos)
    return fail(Errc::bad_input,
                "no report attachment and no message/feedback-report part (RFC 6591), and the text is " +
                    (why_not.empty() ? std::string("missing") : why_not) + " ('" + mail.subject + "')");
  return fail(Errc::bad_input, "no DMARC report in this mail");
}

}  // namespace cachet::dmarc::import
