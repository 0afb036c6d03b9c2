// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_aggregate.cpp: see report_aggregate.hpp.
#include "common/dmarc/report_aggregate.hpp"

#include "common/base/strings.hpp"
#include "common/dmarc/report_xml.hpp"

namespace cachet::dmarc {
namespace {

std::string element(int depth, std::string_view name, std::string_view value) {
  return std::string(static_cast<std::size_t>(depth) * 2, ' ') + "<" + std::string(name) + ">" + xml_text(value) +
         "</" + std::string(name) + ">\n";
}

std::string open(int depth, std::string_view name) {
  return std::string(static_cast<std::size_t>(depth) * 2, ' ') + "<" + std::string(name) + ">\n";
}

std::string close(int depth, std::string_view name) {
  return std::string(static_cast<std::size_t>(depth) * 2, ' ') + "</" + std::string(name) + ">\n";
}

std::string or_default(const std::string& v, std::string_view d) { return v.empty() ? std::string(d) : v; }

std::string metadata(const AggregateMeta& m, ReportShape shape) {
  std::string x = open(1, "report_metadata") + element(2, "org_name", m.org_name) + element(2, "email", m.email);
  if (!m.extra_contact_info.empty()) x += element(2, "extra_contact_info", m.extra_contact_info);
  x += element(2, "report_id", m.report_id) + open(2, "date_range") +
       element(3, "begin", std::to_string(m.period.begin)) + element(3, "end", std::to_string(m.period.end - 1)) +
       close(2, "date_range");
  if (shape == ReportShape::rfc9990 && !m.generator.empty()) x += element(2, "generator", m.generator);
  return x + close(1, "report_metadata");
}

std::string policy_published(const AggregateMeta& m, const DomainAggregate& a, ReportShape shape) {
  const HistoryRecord& r = a.newest;
  const std::string p = or_default(r.p, "none");
  std::string x = open(1, "policy_published") + element(2, "domain", a.policy_domain);
  if (shape == ReportShape::rfc9990 && !m.discovery_method.empty())
    x += element(2, "discovery_method", m.discovery_method);
  x += element(2, "adkim", or_default(r.adkim, "r")) + element(2, "aspf", or_default(r.aspf, "r")) +
       element(2, "p", p) + element(2, "sp", or_default(r.sp, p));
  if (shape == ReportShape::rfc9990) {
    if (!r.np.empty()) x += element(2, "np", r.np);
    x += element(2, "psd", "u");
  } else {
    x += element(2, "pct", std::to_string(r.p.empty() ? 100 : r.pct));
  }
  x += element(2, "fo", or_default(r.fo, "0"));
  return x + close(1, "policy_published");
}

std::string pass_fail(bool aligned) { return aligned ? "pass" : "fail"; }

std::string record(const RowKey& k, std::uint64_t count, ReportShape shape) {
  std::string x = open(1, "record") + open(2, "row") + element(3, "source_ip", k.source_ip) +
                  element(3, "count", std::to_string(count)) + open(3, "policy_evaluated") +
                  element(4, "disposition", k.disposition) + element(4, "dkim", pass_fail(k.dkim_aligned)) +
                  element(4, "spf", pass_fail(k.spf_aligned)) + close(3, "policy_evaluated") + close(2, "row");
  x += open(2, "identifiers") + element(3, "envelope_from", k.envelope_from) +
       element(3, "header_from", k.header_from) + close(2, "identifiers") + open(2, "auth_results");
  for (const DkimEntry& e : parse_dkim_entries(k.dkim)) {
    x += open(3, "dkim") + element(4, "domain", e.domain);
    // RFC 9990 requires the selector in every DKIM result (empty when the A-R field
    // did not name it); RFC 7489 made it optional.
    if (shape == ReportShape::rfc9990 || !e.selector.empty()) x += element(4, "selector", e.selector);
    x += element(4, "result", e.result) + close(3, "dkim");
  }
  x += open(3, "spf") + element(4, "domain", k.spf_domain) + element(4, "scope", "mfrom") +
       element(4, "result", k.spf_result) + close(3, "spf");
  return x + close(2, "auth_results") + close(1, "record");
}

}  // namespace

Result<std::int64_t> parse_period_length(std::string_view text) {
  const std::string t = to_lower(trim(text));
  std::optional<std::uint64_t> n;
  std::uint64_t unit = 1;
  if (t == "day") return kDaySeconds;
  if (t == "hour") return 3600;
  if (!t.empty() && (t.back() == 'h' || t.back() == 'd')) {
    unit = t.back() == 'h' ? 3600 : kDaySeconds;
    n = parse_uint(std::string_view(t).substr(0, t.size() - 1));
  } else {
    n = parse_uint(t);
  }
  if (!n || *n == 0 || *n > static_cast<std::uint64_t>(kDaySeconds) ||
      *n * unit > static_cast<std::uint64_t>(kDaySeconds) || kDaySeconds % static_cast<std::int64_t>(*n * unit) != 0)
    return fail(Errc::bad_input,
                "period '" + std::string(text) + "': give day, hour, Nh (N divides 24) or seconds dividing 86400");
  return static_cast<std::int64_t>(*n * unit);
}

Result<std::vector<Period>> complete_periods(std::int64_t since, std::int64_t now, std::int64_t length) {
  std::vector<Period> out;
  if (length <= 0) return fail(Errc::bad_input, "period length must be positive");
  auto floor_div = [](std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  for (std::int64_t k = floor_div(since, length); (k + 1) * length <= now; ++k) {
    if (out.size() == kMaxReportPeriods)
      return fail(Errc::bad_input, "more than " + std::to_string(kMaxReportPeriods) + " report periods");
    out.push_back({k * length, (k + 1) * length});
  }
  return out;
}

std::string envelope_domain(std::string_view envelope_from) {
  std::string_view s = trim(envelope_from);
  if (!s.empty() && s.front() == '<') s.remove_prefix(1);
  if (!s.empty() && s.back() == '>') s.remove_suffix(1);
  const auto at = s.rfind('@');
  return to_lower(at == std::string_view::npos ? s : s.substr(at + 1));
}

void AggregateBuilder::add(const HistoryRecord& r) {
  if (r.received < period_.begin || r.received >= period_.end || r.policy_domain.empty()) return;
  const std::string domain = to_lower(r.policy_domain);
  DomainAggregate& a = domains_[domain];
  if (a.messages == 0 || r.received >= a.newest.received) {
    if (a.messages == 0) a.policy_domain = domain;
    a.newest.received = r.received;
    a.newest.p = r.p, a.newest.sp = r.sp, a.newest.np = r.np;
    a.newest.adkim = r.adkim, a.newest.aspf = r.aspf, a.newest.fo = r.fo, a.newest.pct = r.pct;
    a.newest.rua = r.rua;
  }
  ++a.messages;
  ++a.rows[RowKey{r.source_ip, r.disposition, r.dkim_aligned, r.spf_aligned, to_lower(r.header_from),
                  envelope_domain(r.envelope_from), r.dkim, r.spf_domain, r.spf_result}];
}

std::string aggregate_xml(const AggregateMeta& meta, const DomainAggregate& agg, ReportShape shape) {
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (shape == ReportShape::rfc9990) {
    x += "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">\n" + element(1, "version", "1.0");
  } else {
    x += "<feedback>\n";
  }
  x += metadata(meta, shape) + policy_published(meta, agg, shape);
  for (const auto& [key, count] : agg.rows) x += record(key, count, shape);
  return x + "</feedback>\n";
}

std::string report_id(const Period& period, std::string_view policy_domain) {
  std::string d;
  for (const char c : to_lower(policy_domain)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    d += ok ? c : '_';
  }
  return std::to_string(period.begin) + "." + std::to_string(period.end - 1) + "." + d;
}

}  // namespace cachet::dmarc
