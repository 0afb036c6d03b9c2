// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_rua.hpp: where an aggregate report may go. The rua list as history
// stored it ("mailto:a@b.example!10m mailto:..."), parsed into mailto targets (the only
// scheme we send to; anything else is refused with a reason), the "!size" limit, and the
// RFC 7489 s7.1 external destination verification: a target outside the policy domain's
// organizational domain receives reports only if
// `<policy-domain>._report._dmarc.<target-domain>` has a TXT record starting with
// v=DMARC1. No record (NXDOMAIN, no data, no v=DMARC1 string) = not authorized, skipped;
// a temporary DNS failure (SERVFAIL, timeout) = try again on the next run.
// LIMITATION: the rua= an authorization record may carry (s7.1 lets it override the
// destination) is not used: we only send to the URI the policy domain published.
// Parsers and classify_report_auth() are pure; authorize_target() queries through the
// given Resolver and OrgDomainFinder. Any thread.
// See also: record.hpp (parse_report_uri), report_aggregate.hpp,
// tests/unit/common/dmarc/report_rua_test.cpp, tests/fuzz/fuzz_report_rua.cpp
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/org_domain.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kMaxRuaTargets = kMaxReportUris;
inline constexpr std::size_t kMaxRuaListBytes = kMaxRecordBytes;
inline constexpr std::size_t kMaxMailtoAddressBytes = 254;  // RFC 5321 s4.5.3.1.3 path, less <>

struct RuaTarget {
  std::string uri;      // as published, without the size suffix
  std::string address;  // the decoded addr-spec, "local@domain" (domain lower case)
  std::string domain;   // the address's domain
  std::optional<std::uint64_t> max_bytes;
};

// One stored entry. Errors (bad_input): not mailto: ("scheme not supported"), hfields
// other than none ("?subject=..." is dropped silently: RFC 6068 allows it and it cannot
// redirect the report), percent-escapes that are malformed or decode to a control byte,
// no '@', an empty or quoted local part, a domain normalize_name() rejects, a bad size.
[[nodiscard]] Result<RuaTarget> parse_rua_target(std::string_view entry);

struct RuaList {
  std::vector<RuaTarget> targets;     // unique by address, in published order
  std::vector<std::string> rejected;  // "entry: why", for the log
};

// Splits on spaces and parses each entry; more than kMaxRuaTargets entries or
// kMaxRuaListBytes bytes: the rest is rejected ("too many"), never silently dropped.
RuaList parse_rua_list(std::string_view stored);

// True if a message of `bytes` bytes may go to `t` (no limit, or within it). The limit
// is compared with the whole message as sent (headers, MIME, base64): the conservative
// reading of "the size of the report".
bool fits_size_limit(std::uint64_t bytes, const RuaTarget& t) noexcept;

// "<policy-domain>._report._dmarc.<target-domain>".
std::string report_auth_name(std::string_view policy_domain, std::string_view target_domain);

enum class ReportAuth {
  same_org,        // no verification needed
  authorized,      // the target published v=DMARC1 for us
  not_authorized,  // skip this target (logged)
  try_later,       // temporary DNS failure: keep the report for the next run
};
const char* to_string(ReportAuth a) noexcept;

// The s7.1 decision from the TXT answer for report_auth_name(). Pure.
ReportAuth classify_report_auth(const dns::Answer& answer);

// The whole decision: same organizational domain (by `orgs`) -> same_org; otherwise the
// TXT lookup through `resolver`. A temporary failure finding an organizational domain is
// try_later.
ReportAuth authorize_target(std::string_view policy_domain, const RuaTarget& target, const OrgDomainFinder& orgs,
                            dns::Resolver& resolver);

}  // namespace cachet::dmarc
