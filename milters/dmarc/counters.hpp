// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/counters.hpp: cachet-dmarc's Prometheus series (common/metrics):
//   cachet_dmarc_results_total{result="pass|fail|none|temperror|permerror|nofrom|multifrom|
//                                     ignored|badheaders|skipped|other"}
//   cachet_dmarc_dispositions_total{disposition="none|quarantine|reject|tempfail|other"}
// One count of each per message. No domain labels in those; with MetricsDomains set,
//   cachet_dmarc_domain_results_total{domain="<listed From domain>|other", result=...}
// too (common/metrics/domain_label.hpp: bounded by the list). Thread-safe.
// History writers (HistoryDatabase/HistoryFile), read at scrape time, summed over writers:
//   cachet_dmarc_history_pending (gauge: records queued, not yet written)
//   cachet_dmarc_history_written_total, cachet_dmarc_history_dropped_total (queue full)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics/domain_label.hpp"
#include "common/metrics/metrics.hpp"
#include "milters/dmarc/settings.hpp"

namespace cachet::dmarcd {

struct DmarcCounters {
  DmarcCounters() = default;
  explicit DmarcCounters(metrics::Registry& r)
      : results(r, "cachet_dmarc_results_total", "messages by DMARC result", "result",
                {"pass", "fail", "none", "temperror", "permerror", "nofrom", "multifrom", "ignored", "badheaders",
                 "skipped"}),
        dispositions(r, "cachet_dmarc_dispositions_total", "messages by applied disposition", "disposition",
                     {"none", "quarantine", "reject", "tempfail"}),
        domain_results(r, "cachet_dmarc_domain_results_total", "messages by From domain (MetricsDomains) and result",
                       "result", {"pass", "fail", "none", "temperror", "permerror"}) {}
  // `listed` (MetricsDomains) and `from_domain` feed the per-domain series (none when empty).
  void count(std::string_view result, std::string_view disposition, const std::vector<std::string>& listed = {},
             std::string_view from_domain = {}) const {
    results.inc(result);
    dispositions.inc(disposition);
    if (!from_domain.empty()) domain_results.inc(listed, from_domain, result);
  }
  metrics::FixedLabelCounter results, dispositions;
  metrics::DomainCounter domain_results;
};

// The history series for the writers of the current snapshot (`load`); keep the handles as
// long as the registry serves them.
std::vector<std::shared_ptr<void>> watch_history(metrics::Registry& r,
                                                 std::function<std::shared_ptr<const DmarcState>()> load);

}  // namespace cachet::dmarcd
