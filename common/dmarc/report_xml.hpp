// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_xml.hpp: the RFC 7489 aggregate report (appendix C schema) for one
// policy domain, built from history records (either store: the output depends only on the
// records). policy_published is the record that applied to the newest message of the
// period (p, sp (= p when absent, as RFC 7489 s6.3 defines it), np when published
// (DMARCbis), adkim, aspf, pct, fo). Rows are grouped by source IP, disposition,
// alignment, header from and auth results, in a stable (sorted) order.
// Every string is XML-escaped (& < > " '); control characters and invalid UTF-8 become
// '?', so hostile domains or A-R values cannot break the document.
// Pure; any thread.
// See also: history.hpp, tools/cachetctl/cmd_dmarc_report.cpp, tests/fuzz/fuzz_report_xml.cpp
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dmarc/history.hpp"

namespace cachet::dmarc {

struct ReportMeta {
  std::string org_name, email, report_id;
  std::int64_t begin = 0, end = 0;
};

std::string aggregate_report_xml(const ReportMeta& meta, const std::string& policy_domain,
                                 const std::vector<HistoryRecord>& records);

// Element text: escaped, control bytes and invalid UTF-8 replaced by '?'.
std::string xml_text(std::string_view in);

}  // namespace cachet::dmarc
