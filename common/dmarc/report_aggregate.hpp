// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_aggregate.hpp: aggregate reports that are sent: the report periods
// (UTC, aligned on multiples of the period since the epoch, so DST never moves them), the
// grouping of history records into one report per policy domain and period, and the XML
// in the RFC 9990 shape (DMARCbis: namespace urn:ietf:params:xml:ns:dmarc-2.0, version,
// np, psd, discovery_method, envelope_from, a selector in every DKIM result; pct, rf and
// ri are not reported, as RFC 9990 removed them) or the RFC 7489 appendix C shape.
// Rows group messages by source IP, disposition, DKIM/SPF alignment, identifiers
// (header_from, envelope_from domain) and auth results, in a stable (sorted) order: one
// row per distinct combination, never one per message.
// Aggregation is incremental (add() one record at a time), so memory grows with the
// number of distinct rows, not with the number of messages.
// Every string goes through xml_text() (report_xml.hpp): hostile domains cannot break the
// document. Pure; no I/O, no clock; any thread (one AggregateBuilder per thread).
// See also: report_xml.hpp (the older `cachetctl dmarc-report` print path), report_rua.hpp,
// report_mail.hpp, tests/unit/common/dmarc/report_aggregate_test.cpp
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/history.hpp"

namespace cachet::dmarc {

inline constexpr std::int64_t kDaySeconds = 86400;
// More periods than this in one run is an operator mistake (e.g. --since 1970 with
// --period 1h), not a backlog.
inline constexpr std::size_t kMaxReportPeriods = 10000;

enum class ReportShape { rfc9990, rfc7489 };

// [begin, end): end is exclusive for queries; reports show end - 1 (RFC examples).
struct Period {
  std::int64_t begin = 0, end = 0;
  friend bool operator==(const Period&, const Period&) = default;
};

// "day", "1d", "24h", "hour", "Nh" (N divides 24), or seconds dividing a day evenly
// ("3600"). Errors: bad_input (anything else, 0, or a length that does not divide a day:
// periods must tile UTC days so reports from several hosts line up).
[[nodiscard]] Result<std::int64_t> parse_period_length(std::string_view text);

// Every whole period [k*length, (k+1)*length) with begin >= floor(since) and end <= now,
// oldest first. Errors: bad_input when there would be more than kMaxReportPeriods.
[[nodiscard]] Result<std::vector<Period>> complete_periods(std::int64_t since, std::int64_t now, std::int64_t length);

// The domain of an envelope address as history stores it ("<a@b.example>" -> "b.example";
// "<>" -> "").
std::string envelope_domain(std::string_view envelope_from);

struct RowKey {
  std::string source_ip, disposition;
  bool dkim_aligned = false, spf_aligned = false;
  std::string header_from, envelope_from;  // envelope_from: the domain only
  std::string dkim;                        // format_dkim_entries() text
  std::string spf_domain, spf_result;
  auto tie() const {
    return std::tie(source_ip, disposition, dkim_aligned, spf_aligned, header_from, envelope_from, dkim, spf_domain,
                    spf_result);
  }
  friend bool operator<(const RowKey& a, const RowKey& b) { return a.tie() < b.tie(); }
};

// What one report covers: the published policy of the newest message (p, sp, np, adkim,
// aspf, fo, pct and the rua list as history stored them) and the grouped rows.
struct DomainAggregate {
  std::string policy_domain;  // lower case
  HistoryRecord newest;       // only the published-policy fields and rua are meaningful
  std::map<RowKey, std::uint64_t> rows;
  std::uint64_t messages = 0;
};

class AggregateBuilder {
 public:
  // Records outside [period.begin, period.end) are ignored, as are records without a
  // policy domain.
  explicit AggregateBuilder(Period period) : period_(period) {}
  void add(const HistoryRecord& r);
  // Keyed by lower-cased policy domain.
  const std::map<std::string, DomainAggregate>& domains() const noexcept { return domains_; }

 private:
  Period period_;
  std::map<std::string, DomainAggregate> domains_;
};

struct AggregateMeta {
  std::string org_name, email, extra_contact_info, report_id, generator;
  Period period;
  std::string discovery_method;  // "psl" or "treewalk" (RFC 9990 only; "" = left out)
};

// The report document. psd is reported as "u" (unknown) unless the record said otherwise;
// history does not keep psd= or t=, so testing is left out (both optional in RFC 9990).
std::string aggregate_xml(const AggregateMeta& meta, const DomainAggregate& agg, ReportShape shape);

// A report id that every host of a fleet computes the same for a domain and period, so
// reruns and concurrent runs name the same report: "<begin>.<end-1>.<domain>" (dot-atom
// characters only: fits a Message-ID, a file name and the Subject).
std::string report_id(const Period& period, std::string_view policy_domain);

}  // namespace cachet::dmarc
