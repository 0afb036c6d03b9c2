// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_xml.cpp: see report_xml.hpp.
#include "common/dmarc/report_xml.hpp"

#include <map>
#include <tuple>

#include "common/base/strings.hpp"

namespace cachet::dmarc {
namespace {

// Length of the valid UTF-8 sequence at in[i] (RFC 3629: no overlongs, no surrogates),
// 0 if there is none.
std::size_t utf8_length(std::string_view in, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  const unsigned char c = b(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > in.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

std::string pass_fail(bool aligned) { return aligned ? "pass" : "fail"; }

std::string element(std::string_view indent, std::string_view name, std::string_view value) {
  return std::string(indent) + "<" + std::string(name) + ">" + xml_text(value) + "</" + std::string(name) + ">\n";
}

std::string policy_published(const std::string& domain, const HistoryRecord* r) {
  const std::string_view in = "    ";
  std::string x = "  <policy_published>\n" + element(in, "domain", domain);
  const std::string p = r && !r->p.empty() ? r->p : "none";
  x += element(in, "adkim", r && !r->adkim.empty() ? r->adkim : "r");
  x += element(in, "aspf", r && !r->aspf.empty() ? r->aspf : "r");
  x += element(in, "p", p);
  x += element(in, "sp", r && !r->sp.empty() ? r->sp : p);
  if (r && !r->np.empty()) x += element(in, "np", r->np);
  x += element(in, "pct", std::to_string(r && !r->p.empty() ? r->pct : 100));
  x += element(in, "fo", r && !r->fo.empty() ? r->fo : "0");
  return x + "  </policy_published>\n";
}

std::string auth_results(const std::string& dkim, const std::string& spf_domain, const std::string& spf_result) {
  std::string x = "    <auth_results>\n";
  for (const DkimEntry& e : parse_dkim_entries(dkim)) {
    x += "      <dkim>\n" + element("        ", "domain", e.domain);
    if (!e.selector.empty()) x += element("        ", "selector", e.selector);
    x += element("        ", "result", e.result) + "      </dkim>\n";
  }
  x += "      <spf>\n" + element("        ", "domain", spf_domain) + element("        ", "result", spf_result) +
       "      </spf>\n";
  return x + "    </auth_results>\n";
}

}  // namespace

std::string xml_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_length(in, i);
      out += n ? in.substr(i, n) : "?";
      i += n ? n : 1;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
    }
    ++i;
  }
  return out;
}

std::string aggregate_report_xml(const ReportMeta& meta, const std::string& policy_domain,
                                 const std::vector<HistoryRecord>& records) {
  using Key = std::tuple<std::string, std::string, bool, bool, std::string, std::string, std::string, std::string>;
  std::map<Key, unsigned> rows;
  const HistoryRecord* newest = nullptr;
  for (const HistoryRecord& r : records) {
    if (!iequals(r.policy_domain, policy_domain)) continue;
    if (newest == nullptr || r.received >= newest->received) newest = &r;
    ++rows[{r.source_ip, r.disposition, r.dkim_aligned, r.spf_aligned, r.header_from, r.dkim,
            r.spf_domain, r.spf_result}];
  }
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <report_metadata>\n";
  x += element("    ", "org_name", meta.org_name) + element("    ", "email", meta.email) +
       element("    ", "report_id", meta.report_id);
  x += "    <date_range>\n" + element("      ", "begin", std::to_string(meta.begin)) +
       element("      ", "end", std::to_string(meta.end)) + "    </date_range>\n  </report_metadata>\n";
  x += policy_published(policy_domain, newest);
  for (const auto& [k, n] : rows) {
    const auto& [ip, dis, dkim_al, spf_al, from, dkim, spf_domain, spf_result] = k;
    x += "  <record>\n    <row>\n" + element("      ", "source_ip", ip) +
         element("      ", "count", std::to_string(n)) + "      <policy_evaluated>\n" +
         element("        ", "disposition", dis) + element("        ", "dkim", pass_fail(dkim_al)) +
         element("        ", "spf", pass_fail(spf_al)) + "      </policy_evaluated>\n    </row>\n" +
         "    <identifiers>\n" + element("      ", "header_from", from) + "    </identifiers>\n" +
         auth_results(dkim, spf_domain, spf_result) + "  </record>\n";
  }
  return x + "</feedback>\n";
}

}  // namespace cachet::dmarc
