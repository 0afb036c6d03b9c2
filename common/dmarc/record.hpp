// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/record.hpp: DMARC policy record parser (RFC 7489 s6.3/s6.4 and the
// DMARCbis additions np=, psd=, t=). Pure; no I/O, no logging; any thread.
// Tolerance follows RFC 7489 s6.3 ("syntax errors in the remainder of the record SHOULD
// be discarded in favor of default values") where a default cannot weaken enforcement;
// where it could (p, sp, np, adkim, aspf, a duplicated tag) the record is invalid and the
// caller reports permerror. Each decision against the two reference implementations
// (libopendmarc, Mail::DMARC) is listed in tests/data/dmarc/record-decisions.tsv.
// Errors: Errc::permanent (the record is a DMARC record but unusable -> permerror);
// use is_dmarc_record() first to discard TXT records that are not DMARC at all.
// See also: policy.hpp, tests/unit/common/dmarc/record_test.cpp
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kMaxRecordBytes = 8192;  // several 255-byte TXT strings
inline constexpr std::size_t kMaxRecordTags = 64;
inline constexpr std::size_t kMaxReportUris = 32;  // per rua= / ruf=

enum class Policy { none, quarantine, reject };
enum class AlignmentMode { relaxed, strict };
enum class PsdFlag { unknown, yes, no };  // DMARCbis psd=u/y/n

const char* to_string(Policy p) noexcept;

struct ReportUri {
  std::string uri;                         // e.g. "mailto:dmarc@example.com"
  std::optional<std::uint64_t> max_bytes;  // from the "!10m" size suffix
};

struct Record {
  // nullopt: no usable p= and no valid mailto: rua (RFC 7489 s6.6.3: no DMARC processing,
  // the evaluator yields dmarc=none). With a valid rua, a missing p= reads as p=none.
  std::optional<Policy> p;
  std::optional<Policy> sp;  // absent: p applies
  std::optional<Policy> np;  // absent: sp (then p) applies
  AlignmentMode adkim = AlignmentMode::relaxed;
  AlignmentMode aspf = AlignmentMode::relaxed;
  unsigned pct = 100;    // RFC 7489 only; DMARCbis removed it
  bool testing = false;  // DMARCbis t=y
  PsdFlag psd = PsdFlag::unknown;
  std::vector<ReportUri> rua;
  std::vector<ReportUri> ruf;
  std::string fo = "0";
  std::string rf = "afrf";
  std::uint32_t ri = 86400;
  // Parts we ignored (bad values of reporting tags, junk between ';', unknown tags),
  // for cachetctl / --check-config style diagnostics. Never affects evaluation.
  std::vector<std::string> warnings;
};

// True if the TXT data starts (after optional whitespace) with a v tag (name in any case)
// whose value is exactly DMARC1 (RFC 7489 s6.3: "MUST match precisely", so v=dmarc1 is not
// DMARC; libopendmarc compares without case): the s6.6.3 step 3 filter. Everything else
// is "not a DMARC record" and must be discarded, not reported as an error.
bool is_dmarc_record(std::string_view txt) noexcept;

// Parses one DMARC record. Errors (permanent): not starting with v=DMARC1, NUL byte,
// more than kMaxRecordBytes or kMaxRecordTags, a duplicated tag, an invalid value of
// p, sp, np, adkim or aspf. Everything else that is malformed is ignored with a warning.
[[nodiscard]] Result<Record> parse_record(std::string_view txt);

// One rua/ruf entry, "URI[!SIZE[k|m|g|t]]" (RFC 7489 s6.4), as parse_record() reads it:
// nullopt for a bad scheme, whitespace, ',' or ';' in the URI, or a bad size.
std::optional<ReportUri> parse_report_uri(std::string_view text);

}  // namespace cachet::dmarc
