// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/dmarc_history_records.hpp: history records for the store, report and
// HistoryFile tests (unit and integration), with every column set so that round trips
// check them all. Header-only.
#pragma once

#include <cstdint>
#include <string>

#include "common/dmarc/history.hpp"

namespace cachet::testlib {

inline dmarc::HistoryRecord history_record(std::int64_t t, std::string ip, bool dkim_aligned) {
  dmarc::HistoryRecord r;
  r.received = t;
  r.job_id = "Q" + std::to_string(t);
  r.reporter = "mx.example.net";
  r.source_ip = std::move(ip);
  r.header_from = "example.com";
  r.envelope_from = "<bounce@example.com>";
  r.policy_domain = "example.com";
  r.policy = "reject";
  r.disposition = dkim_aligned ? "none" : "reject";
  r.result = dkim_aligned ? "pass" : "fail";
  r.dkim = dkim_aligned ? "example.com:s2026:pass" : "other.example::fail";
  r.spf_domain = "example.com";
  r.spf_result = "softfail";
  r.dkim_aligned = dkim_aligned;
  r.p = "reject";
  r.sp = "quarantine";
  r.adkim = "s";
  r.aspf = "r";
  r.pct = 100;
  r.fo = "1";
  r.rua = "mailto:dmarc@example.com";
  return r;
}

}  // namespace cachet::testlib
