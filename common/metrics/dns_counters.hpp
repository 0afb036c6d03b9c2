// SPDX-License-Identifier: BSD-2-Clause
//
// common/metrics/dns_counters.hpp: the DNS series every daemon with a resolver exposes:
//   cachet_dns_queries_total{status="answer|nodata|nxdomain|servfail|timeout|other"}
//   cachet_dns_query_seconds (histogram: each network query, retries included)
//   cachet_dns_cache_hits_total, cachet_dns_cache_entries (gauge)
// The query series come from the network resolver (set_observer(&counters)); the cache
// series are read at scrape time from the cache the daemon's current snapshot uses, so they
// restart from 0 after a reload that rebuilds the resolvers (Prometheus reads that as a
// counter reset). Thread-safe.
#pragma once

#include <functional>
#include <memory>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/resolver.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::metrics {

class DnsCounters final : public dns::QueryObserver {
 public:
  // `current_cache` returns the cache in use now (kept alive by the returned pointer), or
  // null before the first state exists.
  DnsCounters(Registry& r, std::function<std::shared_ptr<const dns::CachingResolver>()> current_cache);
  void on_query(dns::Status status, std::chrono::nanoseconds elapsed) const noexcept override;

 private:
  FixedLabelCounter queries_;
  Histogram seconds_;
  std::shared_ptr<void> hits_, entries_;
};

// current_cache for a daemon whose snapshots (`load()` -> shared_ptr<const State>) hold
// `resolvers->cache`: the cache, kept alive by its snapshot.
template <class Load>
std::function<std::shared_ptr<const dns::CachingResolver>()> cache_in(Load load) {
  return [load]() -> std::shared_ptr<const dns::CachingResolver> {
    auto st = load();
    if (!st || !st->resolvers || !st->resolvers->cache) return nullptr;
    return std::shared_ptr<const dns::CachingResolver>(st, st->resolvers->cache.get());
  };
}

}  // namespace cachet::metrics
