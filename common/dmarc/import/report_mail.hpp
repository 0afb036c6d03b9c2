// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/report_mail.hpp: what a report mail holds. Walks the MIME tree
// (mime.hpp) and finds (1) aggregate report attachments: parts typed application/zip,
// application/gzip (and their x- variants), application/xml, text/xml, or
// application/octet-stream named *.zip, *.gz, *.xml, unpacked (archive.hpp) and parsed
// (aggregate.hpp); (2) a failure report: a message/feedback-report part, with the
// message/rfc822 or text/rfc822-headers part beside it (failure.hpp); (3) only when the mail
// has neither: a text/plain part in the layout of a plain-text failure notice
// (parse_failure_notice(), failure.hpp), the first one that is. Each attachment
// succeeds or fails on its own (one broken attachment does not hide a good one).
// A leading mbox "From " line (local(8) adds one for a command delivery) is skipped.
// Pure; any thread. Errors (Errc::bad_input): the mail's MIME structure is unreadable, or
// it holds no report at all; the text then says what it holds instead (an SMTP TLS report,
// RFC 8460; a DMARC notice in plain text in no layout we know, with the reason; nothing).
// See also: tools/cachetctl/cmd_dmarc_import.cpp, tests/unit/common/dmarc/import/report_mail_test.cpp,
// tests/fuzz/fuzz_report_mail.cpp
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/import/aggregate.hpp"
#include "common/dmarc/import/failure.hpp"

namespace cachet::dmarc::import {

struct FoundReport {
  std::string source;  // the attachment's file name, or "feedback report"
  std::optional<AggregateReport> aggregate;
  std::optional<FailureReport> failure;
  std::string error;  // set when this attachment is refused: why
};

struct ReportMail {
  std::string message_id, from, subject;  // of the report mail itself
  std::vector<FoundReport> reports;       // at least one
};

[[nodiscard]] Result<ReportMail> scan_report_mail(std::string_view raw);

// A bare report file (.xml, .xml.gz, .zip), unpacked and parsed.
[[nodiscard]] Result<AggregateReport> parse_report_file(std::string_view bytes);

// Drops one leading mbox "From " line, if any.
std::string_view skip_mbox_from_line(std::string_view raw) noexcept;

}  // namespace cachet::dmarc::import
