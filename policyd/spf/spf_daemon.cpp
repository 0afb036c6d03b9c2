// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/spf_daemon.cpp: see spf_daemon.hpp.
#include "policyd/spf/spf_daemon.hpp"

#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <stop_token>

#include "common/daemon/daemon.hpp"
#include "common/daemon/socket_spec.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/policy/server.hpp"
#include "common/policy/spawn.hpp"
#include "policyd/spf/service.hpp"
#include "policyd/spf/settings.hpp"

namespace cachet::spfd {
namespace {

// State built in open (as the starting user) and used by serve.
struct State {
  std::string hostname = local_hostname();
  std::unique_ptr<dns::LdnsResolver> ldns;
  std::unique_ptr<dns::CachingResolver> cache;
  std::optional<Fd> listener;
  // Settings per config snapshot (rebuilt when the snapshot changes).
  std::mutex mu;
  std::shared_ptr<const config::Config> settings_for;
  std::shared_ptr<const Settings> settings;
};

Result<void> open_resolver(State& st, const config::Config& cfg) {
  dns::ResolverOptions ro;
  ro.nameservers = cfg.list("Nameservers");
  ro.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.seconds("DNSTimeout"));
  auto r = dns::LdnsResolver::create(ro);
  if (!r) return fail(r.error().code, r.error().detail);
  st.ldns = std::move(*r);
  dns::CacheOptions co;
  co.max_entries = static_cast<std::size_t>(cfg.integer("DNSCacheSize"));
  st.cache = std::make_unique<dns::CachingResolver>(*st.ldns, co);
  return {};
}

Result<void> open(State& st, const daemon::OpenContext& ctx) {
  if (auto r = open_resolver(st, ctx.config); !r) return r;
  if (!ctx.config.is_set("Socket")) return {};  // spawn mode
  auto spec = daemon::parse_socket_spec(ctx.config.string("Socket"));
  if (!spec) return fail(Errc::config, spec.error().detail);
  mode_t bits = 0;
  if (ctx.config.is_set("UMask")) bits = static_cast<mode_t>(ctx.config.integer("UMask"));
  auto fd = daemon::listen_socket(*spec, bits);
  if (!fd) return fail(fd.error().code, fd.error().detail);
  st.listener.emplace(std::move(*fd));
  return {};
}

std::shared_ptr<const Settings> current_settings(State& st, config::ConfigHolder& holder,
                                                 log::Logger& logger) {
  const std::shared_ptr<const config::Config> cfg = holder.load();
  std::lock_guard<std::mutex> lock(st.mu);
  if (cfg != st.settings_for) {
    auto s = settings_from(*cfg, st.hostname);
    if (!s) {
      // validate() ran on this snapshot, so this is a bug; keep the old settings.
      log::Event(logger, log::Level::error, "spf.settings_error").kv("detail", s.error().detail);
    } else {
      st.settings = std::make_shared<const Settings>(std::move(*s));
      st.settings_for = cfg;
      const int level = st.settings->debug_level;
      logger.set_max_level(level < 0   ? log::Level::error
                           : level < 1 ? log::Level::warning
                           : level < 2 ? log::Level::info
                                       : log::Level::debug);
    }
  }
  return st.settings;
}

int serve(State& st, daemon::ServeContext& ctx) {
  SpfService service(
      *st.cache, ctx.logger,
      [&st, &ctx] { return current_settings(st, ctx.config, ctx.logger); }, st.hostname);
  (void)current_settings(st, ctx.config, ctx.logger);
  if (!st.listener) {
    const policy::SpawnEnd end = policy::run_spawn(service, ctx.logger);
    return end == policy::SpawnEnd::eof || end == policy::SpawnEnd::idle_timeout ? 0 : 1;
  }
  policy::ServerOptions so;
  so.worker_threads = static_cast<std::size_t>(ctx.config.load()->integer("Workers"));
  policy::PolicyServer server({st.listener->get()}, service, ctx.logger, so);
  std::stop_callback on_stop(ctx.stop, [&server] { server.stop(); });
  if (auto r = server.run(); !r) {
    log::Event(ctx.logger, log::Level::error, "spf.server_error").kv("detail", r.error().detail);
    return daemon::kExitOsError;
  }
  return daemon::kExitOk;
}

}  // namespace

int run_spf(int argc, char** argv) {
  auto st = std::make_shared<State>();
  daemon::DaemonSpec spec;
  spec.binary = "cachet-spf";
  spec.version = CACHET_VERSION;
  spec.options = kSpfOptions;
  spec.default_config = kDefaultConfigPath;
  spec.positional_config = true;
  spec.background_by_default = false;
  spec.allow_missing_default_config = true;
  spec.validate = [](const config::Config& cfg) { return check_settings(cfg); };
  spec.open = [st](const daemon::OpenContext& ctx) { return open(*st, ctx); };
  spec.serve = [st](daemon::ServeContext& ctx) { return serve(*st, ctx); };
  return daemon::run_daemon(spec, argc, argv);
}

}  // namespace cachet::spfd
