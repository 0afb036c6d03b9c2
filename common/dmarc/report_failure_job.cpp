// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_failure_job.cpp: see report_failure_job.hpp.
#include "common/dmarc/report_failure_job.hpp"

#include <algorithm>

namespace cachet::dmarc {
namespace {

bool is_failed(std::string_view result) { return result != "pass" && result != "none" && !result.empty(); }

// RFC 6591 s3.1 Delivery-Result from the disposition we applied.
std::string delivery_result(const Decision& d) {
  if (d.disposition == "reject") return "reject";
  if (d.disposition == "quarantine") return "policy";
  if (d.disposition == "none") return "delivered";
  return "other";
}

std::string identity_alignment(const Decision& d) {
  if (d.dkim_aligned && d.spf_aligned) return "dkim, spf";
  if (d.dkim_aligned) return "dkim";
  if (d.spf_aligned) return "spf";
  return "none";
}

}  // namespace

FailureFacts failure_facts(const Decision& d) {
  FailureFacts f;
  f.dkim_aligned_pass = d.dkim_aligned;
  f.spf_aligned_pass = d.spf_aligned;
  f.any_dkim_fail =
      std::any_of(d.dkim_results.begin(), d.dkim_results.end(), [](const DkimEntry& e) { return is_failed(e.result); });
  f.spf_fail = is_failed(d.spf_result);
  return f;
}

RuaList ruf_targets(const Record& published) {
  // The ruf URIs in the stored rua form ("mailto:a@b!10m ..."), read by the rua reader:
  // one parser, one set of limits and refusals for both lists.
  Record as_rua;
  as_rua.rua = published.ruf;
  HistoryRecord stored;
  set_published_policy(stored, as_rua);
  return parse_rua_list(stored.rua);
}

std::string header_block(const std::vector<std::pair<std::string, std::string>>& headers, std::size_t max_bytes) {
  std::string block;
  for (const auto& [name, value] : headers) {
    const std::size_t add = name.size() + 2 + value.size() + 1;
    if (block.size() + add > max_bytes) break;
    block += name + ": " + value + "\n";
  }
  return block;
}

std::optional<FailureJob> failure_job(const FailureReportOptions& o, const MessageInput& in, const Decision& d,
                                      std::string_view reporting_mta, std::int64_t arrival) {
  if (!d.evaluated || d.result != "fail" || !d.published) return std::nullopt;
  if (d.policy != "quarantine" && d.policy != "reject" && !o.on_none) return std::nullopt;
  if (!wants_failure_report(d.published->fo, failure_facts(d))) return std::nullopt;
  RuaList ruf = ruf_targets(*d.published);
  if (ruf.targets.empty() && !o.has_bcc) return std::nullopt;

  FailureJob job;
  job.targets = std::move(ruf.targets);
  job.refused = std::move(ruf.rejected);
  job.queue_id = in.queue_id;
  FailureReport& r = job.report;
  r.reporting_mta = std::string(reporting_mta);
  r.policy_domain = d.policy_domain.empty() ? d.from_domain : d.policy_domain;
  r.source_ip = in.client_ip;
  r.envelope_from = in.envelope_from;
  // A rejected message got no field from us: the report says what it would have said.
  r.authentication_results = d.auth_results.empty() ? in.authserv_id + "; dmarc=fail (p=" + d.policy +
                                                          " dis=" + d.disposition + ") header.from=" + d.from_domain
                                                    : d.auth_results.back();
  r.identity_alignment = identity_alignment(d);
  for (const DkimEntry& e : d.dkim_results)
    if (is_failed(e.result)) {
      r.dkim_domain = e.domain;
      r.dkim_selector = e.selector;
      break;
    }
  r.delivery_result = delivery_result(d);
  r.original_headers = header_block(in.headers, kMaxReportedHeaderBytes);
  r.arrival = arrival;
  return job;
}

}  // namespace cachet::dmarc
