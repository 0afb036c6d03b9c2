// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/import/aggregate.hpp: the DMARC aggregate report parser, for both shapes:
// RFC 7489 appendix C (no namespace, or the old http://dmarc.org/dmarc-xml/0.1) and
// RFC 9990 (namespace urn:ietf:params:xml:ns:dmarc-2.0: np, testing, discovery_method,
// generator, disposition "pass"); elements are matched by local name, so either shape (and
// the union some receivers send) reads the same way; unknown elements are ignored (both
// schemas allow extensions). The only file that includes libxml2 headers.
// Hardening: a document with a DTD (<!DOCTYPE) is refused before libxml2 sees it, so no
// entity is ever declared, let alone expanded (billion laughs, external entities); the
// parser also runs without entity substitution, DTD loading or network access
// (XML_PARSE_NONET, no NOENT/DTDLOAD/HUGE), within kMaxReportBytes.
// Repair (reported in AggregateReport::repairs, never silent): bytes around the
// <feedback> element, as in reports wrapped in an unclosed <xs:schema> element.
// Strict values (case-sensitive, as the schemas): disposition none|quarantine|reject|pass,
// policy dkim/spf pass|fail, DKIM and SPF auth results from the schemas' lists, a source_ip
// that is an IPv4 or IPv6 address, numeric count, begin and end. Refused otherwise, with
// the record number and the value.
// Pure over memory: no I/O, no logging; any thread once libxml2 is initialised (it is here,
// idempotently). Errors: Errc::bad_input with a message fit for the admin.
// See also: report_mail.hpp, store.hpp, tests/unit/common/dmarc/import/aggregate_test.cpp,
// tests/fuzz/fuzz_aggregate_report.cpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc::import {

// At most this many <record> elements per report (more: refused, whole). Reachable within
// kMaxReportBytes (a minimal record is ~170 bytes, so 50 MiB hold ~300,000); a realistic
// record with auth_results is ~400 bytes, so a report the size limit admits rarely comes
// near it. It bounds the memory of a report made of minimal records (each costs a few
// hundred bytes parsed). The largest real report among the samples has 2,286 records.
inline constexpr std::size_t kMaxAggregateRecords = 100'000;

struct AuthResult {
  std::string domain;
  std::string selector;  // DKIM selector, or SPF scope (mfrom|helo)
  std::string result, human_result;
};

struct PolicyReason {
  std::string type, comment;
};

struct AggregateRecord {
  std::string source_ip;
  std::uint64_t count = 0;
  std::string disposition, dkim, spf;  // policy_evaluated
  std::vector<PolicyReason> reasons;
  std::string envelope_to, envelope_from, header_from;
  std::vector<AuthResult> dkim_results, spf_results;
};

enum class ReportShape { rfc7489, rfc9990 };

struct AggregateReport {
  ReportShape shape = ReportShape::rfc7489;
  std::string version;  // <version>, "" when absent
  std::string org_name, email, extra_contact_info, report_id, generator;
  std::int64_t begin = 0, end = 0;
  std::vector<std::string> errors;  // report_metadata <error> elements
  // policy_published ("" = absent; pct -1 = absent)
  std::string domain, adkim, aspf, p, sp, np, fo, testing, discovery_method;
  std::int64_t pct = -1;
  std::vector<AggregateRecord> records;
  std::vector<std::string> repairs;  // what was repaired to read it, for the admin
};

[[nodiscard]] Result<AggregateReport> parse_aggregate_report(std::string_view xml);

std::string_view to_string(ReportShape s) noexcept;

}  // namespace cachet::dmarc::import
