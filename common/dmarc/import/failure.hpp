// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/failure.hpp: DMARC failure reports (RFC 6591 authentication-failure
// reports in the ARF format of RFC 5965, as RFC 7489 s7.3 and RFC 9991 use them): the
// machine-readable message/feedback-report part, plus what the copy of the original
// message (message/rfc822 or text/rfc822-headers) says: From, Subject, Message-ID, Date.
// Only Feedback-Type auth-failure is a failure report; an abuse or other ARF type is
// refused. The reported domain is Reported-Domain, else the original From domain.
// Every field of the result is valid UTF-8 without NUL (other bytes become U+FFFD), so
// that any database stores it. Pure; any thread. Errors (Errc::bad_input): a feedback part
// that is not a header block, no Feedback-Type, another type, no domain for the report.
//
// Plain-text failure notices (parse_failure_notice): some receivers (Exim's DMARC support)
// send a text part instead of the message/feedback-report part: "  Sender Domain: D",
// "  Sender IP Address: IP", "  Received Date: ...", "  SPF Alignment: yes|no",
// "  DKIM Alignment: yes|no", "  DMARC Results: <result>, <action>", then a line of dashes
// and a copy of the original header section. Recognised only when the text mentions DMARC,
// has exactly one Sender Domain that is a valid domain name, exactly one Sender IP Address
// that is an IPv4 or IPv6 address, and at least one of the alignment or result lines: prose
// that merely talks about DMARC is not a report. Imported as an auth-failure report
// (Auth-Failure dmarc) with is_plain_text set; the labels are matched case-insensitively.
// See also: report_mail.hpp (finds the parts), store.hpp,
// tests/unit/common/dmarc/import/failure_test.cpp
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::dmarc::import {

struct FailureReport {
  std::string feedback_type, user_agent, version;
  std::string auth_failure, reported_domain, source_ip, arrival_date, delivery_result;
  std::string original_mail_from, original_rcpt_to, authentication_results;
  std::string dkim_domain, dkim_selector, spf_dns, identity_alignment;
  // From the copy of the original message ("" when it has none)
  std::string header_from, subject, message_id, date;
  bool is_plain_text = false;  // from parse_failure_notice(), not an ARF part
};

// `feedback` is the message/feedback-report part's body; `original` the original message
// or its header section ("" when the report carries none).
[[nodiscard]] Result<FailureReport> parse_failure_report(std::string_view feedback, std::string_view original);

// `text`: a decoded text/plain part. Errors (Errc::bad_input): not the layout above (the
// detail names what is missing), an invalid domain or address, a label given twice.
[[nodiscard]] Result<FailureReport> parse_failure_notice(std::string_view text);

}  // namespace cachet::dmarc::import
