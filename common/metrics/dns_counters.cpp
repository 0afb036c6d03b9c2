// SPDX-License-Identifier: BSD-2-Clause
// common/metrics/dns_counters.cpp: see dns_counters.hpp.
#include "common/metrics/dns_counters.hpp"

namespace cachet::metrics {

DnsCounters::DnsCounters(Registry& r, std::function<std::shared_ptr<const dns::CachingResolver>()> current_cache)
    : queries_(r, "cachet_dns_queries_total", "DNS queries sent by outcome", "status",
               {"answer", "nodata", "nxdomain", "servfail", "timeout"}),
      seconds_(r.histogram("cachet_dns_query_seconds", "DNS query duration, retries included",
                           {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})) {
  hits_ = r.add_callback("cachet_dns_cache_hits_total", "DNS answers served from the cache",
                         Registry::CallbackKind::counter, [current_cache] {
                           const auto c = current_cache();
                           return c ? static_cast<double>(c->hits()) : 0.0;
                         });
  entries_ = r.add_callback("cachet_dns_cache_entries", "DNS answers in the cache now", Registry::CallbackKind::gauge,
                            [current_cache] {
                              const auto c = current_cache();
                              return c ? static_cast<double>(c->size()) : 0.0;
                            });
}

void DnsCounters::on_query(dns::Status status, std::chrono::nanoseconds elapsed) const noexcept {
  queries_.inc(dns::to_string(status));
  seconds_.observe(std::chrono::duration<double>(elapsed).count());
}

}  // namespace cachet::metrics
