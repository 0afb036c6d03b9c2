// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/decision_line.cpp: see decision_line.hpp.
#include "common/dmarc/decision_line.hpp"

namespace cachet::dmarc {

void for_each_result_field(const Decision& d, const std::function<void(std::string_view, std::string_view)>& f) {
  f("from", d.from_domain);
  f("result", d.result);
  f("policy", d.policy);
  f("disposition", d.disposition);
  f("dkim", d.dkim);
  f("spf", d.spf);
  f("reason", d.reason);
  if (!d.evaluated) return;
  auto or_none = [](const std::string& v) { return v.empty() ? std::string_view("none") : std::string_view(v); };
  f("ar", or_none(d.ar_ids));
  f("spf_source", d.spf_source);
  f("policy_domain", or_none(d.policy_domain));
  if (!d.org_domain.empty()) f("org", d.org_domain);
  if (d.published) {
    f("pct", std::to_string(d.published->pct));
    std::string draw = std::to_string(d.sample);
    if (d.sampled_out) draw += " (sampled out: next weaker policy)";
    if (d.testing) draw += " (t=y: testing)";
    f("draw", draw);
  }
  std::string aligned;
  if (d.dkim_aligned) aligned = "dkim";
  if (d.spf_aligned) aligned += aligned.empty() ? "spf" : ",spf";
  f("aligned", or_none(aligned));
}

log::Fields result_fields(const Decision& d) {
  log::Fields out;
  for_each_result_field(d, [&](std::string_view key, std::string_view value) { out.emplace_back(key, value); });
  return out;
}

log::Fields skipped_fields(std::string_view why) { return {{"result", "skipped"}, {"reason", std::string(why)}}; }

}  // namespace cachet::dmarc
