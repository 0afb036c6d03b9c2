// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_mail.cpp: see report_mail.hpp.
#include "common/dmarc/report_mail.hpp"

#include <ctime>

#include "common/base/base64.hpp"

namespace cachet::dmarc {
namespace {

constexpr std::size_t kBase64LineChars = 76;  // RFC 2045 s6.8

std::string quoted_display_name(std::string_view name) {
  std::string out = "\"";
  for (const char c : header_safe(name)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string utc_text(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

}  // namespace

std::string report_file_name(std::string_view receiver, std::string_view policy_domain, const Period& period,
                             std::string_view report_id) {
  return std::string(receiver) + "!" + std::string(policy_domain) + "!" + std::to_string(period.begin) + "!" +
         std::to_string(period.end - 1) + "!" + std::string(report_id) + ".xml.gz";
}

std::string report_subject(std::string_view policy_domain, std::string_view receiver, std::string_view report_id) {
  return "Report Domain: " + header_safe(policy_domain) + " Submitter: " + header_safe(receiver) + " Report-ID: <" +
         header_safe(report_id) + ">";
}

std::string rfc5322_date(std::int64_t epoch_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t tt = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string header_safe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

std::string build_report_mail(const ReportMail& m, std::string_view gz) {
  const std::string boundary = "=_cachet_" + header_safe(m.unique);
  const std::string file = header_safe(report_file_name(m.receiver, m.policy_domain, m.period, m.report_id));
  const std::string from =
      m.from_name.empty() ? header_safe(m.from) : quoted_display_name(m.from_name) + " <" + header_safe(m.from) + ">";
  std::string x;
  x += "From: " + from + "\n";
  x += "To: <" + header_safe(m.to) + ">\n";
  x += "Date: " + rfc5322_date(m.date) + "\n";
  x += "Message-ID: <" + header_safe(m.report_id) + "." + header_safe(m.unique) + "@" + header_safe(m.receiver) + ">\n";
  x += "Subject: " + report_subject(m.policy_domain, m.receiver, m.report_id) + "\n";
  x += "MIME-Version: 1.0\n";
  x += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n";
  x += "Auto-Submitted: auto-generated\n\n";
  x += "This is a MIME-formatted message.\n\n--" + boundary + "\n";
  x += "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n";
  x += "This is a DMARC aggregate report for " + header_safe(m.policy_domain) + ",\n";
  x += "covering " + utc_text(m.period.begin) + " to " + utc_text(m.period.end - 1) + " UTC,\n";
  x += "from " + header_safe(m.receiver) + ". The report is attached as gzip-compressed XML.\n\n";
  x += "--" + boundary + "\n";
  x += "Content-Type: application/gzip; name=\"" + file + "\"\n";
  x += "Content-Transfer-Encoding: base64\n";
  x += "Content-Disposition: attachment; filename=\"" + file + "\"\n\n";
  const std::string b64 = base64_encode(gz);
  for (std::size_t i = 0; i < b64.size(); i += kBase64LineChars) x += b64.substr(i, kBase64LineChars) + "\n";
  x += "\n--" + boundary + "--\n";
  return x;
}

}  // namespace cachet::dmarc
