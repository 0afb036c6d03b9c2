// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_mail.hpp: the message that carries an aggregate report (RFC 7489
// s7.2.1.1, RFC 9990 s5): Subject "Report Domain: <domain> Submitter: <receiver>
// Report-ID: <<id>>", a multipart/mixed body with a short text/plain part and the report
// as an application/gzip attachment named "<receiver>!<domain>!<begin>!<end>!<id>.xml.gz",
// base64 in 76-character lines; our own Date and Message-ID. LF line ends (sendmail(1)
// and the .eml files take them; an SMTP client converts).
// Every header value we put in comes from config or from names we built (domain names,
// report ids of dot-atom characters); header_safe() strips CR/LF and controls anyway so a
// hostile policy domain can never add a header field.
// Pure; any thread. The random part of the Message-ID is passed in.
// See also: report_aggregate.hpp, common/base/gzip.hpp, tests/unit/common/dmarc/report_mail_test.cpp
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/dmarc/report_aggregate.hpp"

namespace cachet::dmarc {

// "<receiver>!<domain>!<begin>!<end-1>!<id>.xml.gz".
std::string report_file_name(std::string_view receiver, std::string_view policy_domain, const Period& period,
                             std::string_view report_id);

// "Report Domain: <domain> Submitter: <receiver> Report-ID: <<id>>".
std::string report_subject(std::string_view policy_domain, std::string_view receiver, std::string_view report_id);

// RFC 5322 date-time in UTC: "Tue, 03 Mar 2026 04:05:06 +0000".
std::string rfc5322_date(std::int64_t epoch_seconds);

// Controls (CR, LF, TAB included) and non-ASCII replaced by '?'.
std::string header_safe(std::string_view value);

struct ReportMail {
  std::string from;       // the report's sender address (ReportEmail)
  std::string from_name;  // display name (the org name); may be empty
  std::string to;         // one recipient address
  std::string receiver;   // the Submitter: our domain
  std::string policy_domain;
  std::string report_id;
  Period period;
  std::int64_t date = 0;  // when the message is built
  std::string unique;     // random hex for the Message-ID
};

// The whole message, ready for sendmail -i. gz = the gzip-compressed report.
std::string build_report_mail(const ReportMail& m, std::string_view gz);

}  // namespace cachet::dmarc
