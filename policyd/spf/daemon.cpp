// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/daemon.cpp: see daemon.hpp.
#include "policyd/spf/daemon.hpp"

#include <memory>
#include <mutex>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/metrics/dns_counters.hpp"
#include "policyd/spf/per_user.hpp"
#include "policyd/spf/session.hpp"
#include "policyd/spf/settings.hpp"

namespace cachet::spfd {
namespace {

// What outlives a config snapshot: the resolver and its cache (built at the first
// snapshot; Nameservers/DNSTimeout/DNSCacheSize changes take a restart) and the instance
// cache, so a reload in the middle of a message does not prepend a second header.
struct Shared {
  std::mutex mu;
  std::string hostname = local_hostname();
  std::unique_ptr<dns::LdnsResolver> ldns;
  std::unique_ptr<dns::CachingResolver> cache;
  std::shared_ptr<InstanceCache> instances = std::make_shared<InstanceCache>();
  metrics::Registry metrics;
  SpfService::Counters counters{metrics};
  // The resolver is made once (first make_handler) and kept across reloads.
  metrics::DnsCounters dns_counters{
      metrics, [this]() -> std::shared_ptr<const dns::CachingResolver> {
        const std::lock_guard<std::mutex> lock(mu);
        return cache ? std::shared_ptr<const dns::CachingResolver>(std::shared_ptr<void>(), cache.get()) : nullptr;
      }};
};

Result<void> open_resolver(Shared& sh, const config::Config& cfg) {
  if (sh.cache) return {};
  dns::ResolverOptions ro;
  ro.nameservers = cfg.list("Nameservers");
  ro.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.seconds("DNSTimeout"));
  auto r = dns::LdnsResolver::create(ro);
  if (!r) return fail(Errc::config, r.error().detail);
  sh.ldns = std::move(*r);
  dns::CacheOptions co;
  co.max_entries = static_cast<std::size_t>(cfg.integer("DNSCacheSize"));
  sh.cache = std::make_unique<dns::CachingResolver>(*sh.ldns, co);
  sh.ldns->set_observer(&sh.dns_counters);
  return {};
}

log::Level level_for(int debug_level) {
  if (debug_level < 0) return log::Level::error;
  if (debug_level < 1) return log::Level::warning;
  if (debug_level < 2) return log::Level::info;
  return log::Level::debug;
}

Result<std::shared_ptr<policy::PolicyHandler>> make_handler(Shared& sh,
                                                            const std::shared_ptr<const config::Config>& cfg,
                                                            log::Logger& logger) {
  std::lock_guard<std::mutex> lock(sh.mu);
  if (auto r = open_resolver(sh, *cfg); !r) return fail(r.error().code, r.error().detail);
  auto s = settings_from(*cfg, sh.hostname);
  if (!s) return fail(Errc::config, s.error().detail);
  // Per_User: read here, so a reload (SIGHUP) re-reads it with the rest of the config.
  auto per_user = load_per_user(*cfg, *s);
  if (!per_user) return fail(Errc::config, per_user.error().detail);
  s->per_user = std::move(*per_user);
  logger.set_max_level(level_for(s->debug_level));
  auto settings = std::make_shared<const Settings>(std::move(*s));
  auto service = std::make_shared<SpfService>(
      *sh.cache, logger, [settings] { return settings; }, sh.hostname, sh.instances);
  service->set_counters(&sh.counters);
  return std::shared_ptr<policy::PolicyHandler>(std::move(service));
}

}  // namespace

policy::PolicyDaemonSpec daemon_spec() {
  auto sh = std::make_shared<Shared>();
  policy::PolicyDaemonSpec spec;
  spec.binary = "cachet-spf";
  spec.version = CACHET_VERSION;
  spec.options = kSpfOptions;
  spec.default_config = kDefaultConfigPath;
  spec.config_flag = 'c';
  spec.positional_config = true;
  spec.allow_missing_default_config = true;
  spec.validate = [](const config::Config& cfg) {
    auto problems = check_settings(cfg);
    for (auto& p : check_per_user(cfg)) problems.push_back(std::move(p));
    return problems;
  };
  spec.metrics = &sh->metrics;
  spec.make_handler = [sh](const std::shared_ptr<const config::Config>& cfg, log::Logger& logger) {
    return make_handler(*sh, cfg, logger);
  };
  // Four threads evaluate SPF in socket mode (DNS waits dominate; the cache is shared).
  spec.server.worker_threads = 4;
  return spec;
}

}  // namespace cachet::spfd
