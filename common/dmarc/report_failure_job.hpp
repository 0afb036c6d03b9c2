// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_failure_job.hpp: which decided message calls for a DMARC failure
// report (ruf; RFC 7489 s7.3, RFC 9991), and the job that carries it to the sending thread
// (report_failure_queue.hpp). A report is due when, as opendmarc decides with FailureReports:
//   - the DMARC result is fail (opendmarc reports failures only; fo=d / fo=s therefore
//     narrow the reports of a failing message, they never report a passing one);
//   - the policy that applied is quarantine or reject, or none with FailureReportsOnNone;
//   - the record's fo= asks for it (wants_failure_report(), report_failure.hpp);
//   - someone is to receive it: a mailto: ruf target, or FailureReportsBcc.
// The job holds the ARF facts (report_failure.hpp's FailureReport without sender, recipient,
// date and randomness), the ruf targets parsed as report_rua.hpp parses rua (mailto: only,
// unique by address, !size kept; refused entries listed for the log) and the original
// header block, rebuilt from the fields the milter saw and cut at kMaxReportedHeaderBytes
// (never the body).
// Pure: no I/O, no clock (arrival is an argument); any thread.
// See also: report_failure.hpp, report_failure_queue.hpp, milters/dmarc/session.cpp,
// tests/unit/common/dmarc/report_failure_job_test.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/dmarc/message.hpp"
#include "common/dmarc/report_failure.hpp"
#include "common/dmarc/report_rua.hpp"

namespace cachet::dmarc {

struct FailureReportOptions {
  bool on_none = false;  // FailureReportsOnNone: also for p=none
  bool has_bcc = false;  // FailureReportsBcc is set: a report is due even without ruf
};

struct FailureJob {
  FailureReport report;              // from, to, date and unique are the sender's
  std::vector<RuaTarget> targets;    // the record's mailto: ruf targets
  std::vector<std::string> refused;  // "entry: why" for ruf entries we cannot use
  std::string queue_id;              // for the log lines
};

// The facts of fo= (report_failure.hpp) from a decision: a DKIM result other than pass
// or none is a failed signature (fo=d); an SPF result other than pass or none is an SPF
// failure (fo=s).
FailureFacts failure_facts(const Decision& d);

// The ruf list of a record, parsed as report_rua.hpp parses rua (kMaxRuaTargets at most).
RuaList ruf_targets(const Record& published);

// The header block "Name: value\n..." of `headers`, stopping before the field that would
// take it over `max_bytes`.
std::string header_block(const std::vector<std::pair<std::string, std::string>>& headers, std::size_t max_bytes);

// The job, or nullopt when no report is due (see the file comment). reporting_mta: our
// host name (the MTA's j macro); arrival: when the message arrived (seconds).
std::optional<FailureJob> failure_job(const FailureReportOptions& o, const MessageInput& in, const Decision& d,
                                      std::string_view reporting_mta, std::int64_t arrival);

}  // namespace cachet::dmarc
