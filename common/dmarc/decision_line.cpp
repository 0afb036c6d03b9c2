// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/decision_line.cpp: see decision_line.hpp.
#include "common/dmarc/decision_line.hpp"

namespace cachet::dmarc {

log::Fields result_fields(const Decision& d) {
  log::Fields out{{"from", d.from_domain}, {"result", d.result}, {"policy", d.policy}, {"disposition", d.disposition},
                  {"dkim", d.dkim},        {"spf", d.spf},       {"reason", d.reason}};
  if (!d.evaluated) return out;
  out.emplace_back("ar", d.ar_ids.empty() ? "none" : d.ar_ids);
  out.emplace_back("spf_source", d.spf_source);
  out.emplace_back("policy_domain", d.policy_domain.empty() ? "none" : d.policy_domain);
  if (!d.org_domain.empty()) out.emplace_back("org", d.org_domain);
  if (d.published) {
    out.emplace_back("pct", std::to_string(d.published->pct));
    std::string draw = std::to_string(d.sample);
    if (d.sampled_out) draw += " (sampled out: next weaker policy)";
    if (d.testing) draw += " (t=y: testing)";
    out.emplace_back("draw", draw);
  }
  std::string aligned;
  if (d.dkim_aligned) aligned = "dkim";
  if (d.spf_aligned) aligned += aligned.empty() ? "spf" : ",spf";
  out.emplace_back("aligned", aligned.empty() ? "none" : aligned);
  return out;
}

log::Fields skipped_fields(std::string_view why) { return {{"result", "skipped"}, {"reason", std::string(why)}}; }

}  // namespace cachet::dmarc
