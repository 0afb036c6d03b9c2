// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dkim/counters.hpp: cachet-dkim's Prometheus series (common/metrics), created once
// per process with every label value, so that counting a message is a few atomic adds:
//   cachet_dkim_messages_total{decision="signed|not_signed|sign_error"}
//   cachet_dkim_signatures_total{algorithm="rsa-sha256|rsa-sha1|ed25519-sha256"}
//   cachet_dkim_verify_results_total{result="pass|fail|neutral|policy|permerror|temperror|none"}
// (none: a message verified without any signature). No domain labels in those; with
// MetricsDomains set (common/metrics/domain_label.hpp: bounded by the list), also
//   cachet_dkim_domain_signatures_total{domain="<listed d=>|other", algorithm=...}
//   cachet_dkim_domain_verify_results_total{domain="<listed d=>|other", result=...}
// Thread-safe; the Registry outlives the handles.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "common/dkim/verify.hpp"
#include "common/dkim/why.hpp"
#include "common/metrics/domain_label.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::dkimd {

struct DkimCounters {
  DkimCounters() = default;  // counts nothing (tests, tools)
  explicit DkimCounters(metrics::Registry& r);
  // One message's decision line, counted; `listed` (MetricsDomains) feeds the per-domain
  // series (nothing when empty).
  void count(const dkim::SignFacts& f, const std::vector<dkim::SignatureResult>* results,
             const std::vector<std::string>& listed = {}) const;

  metrics::Counter signed_, not_signed_, sign_error_;
  std::array<metrics::Counter, 3> algorithm_;  // rsa-sha256, rsa-sha1, ed25519-sha256
  std::array<metrics::Counter, 7> verify_;     // VerifyResult order, then none
  metrics::DomainCounter domain_signatures_, domain_verify_;
};

}  // namespace cachet::dkimd
