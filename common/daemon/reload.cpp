// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/reload.cpp: one configuration reload (SIGHUP/SIGUSR1); see daemon.hpp.
#include <exception>

#include "common/daemon/daemon.hpp"
#include "common/daemon/runtime_log.hpp"
#include "common/log/json.hpp"

namespace cachet::daemon {

void log_problems(log::Logger& logger, const std::vector<config::Problem>& problems) {
  for (const config::Problem& p : problems) {
    const bool is_error = p.severity == config::Severity::error;
    log::Event(logger, is_error ? log::Level::error : log::Level::warning, is_error ? "config.error" : "config.warning")
        .kv("problem", p.to_string());
  }
}

void apply_log_format(log::Logger& logger, const config::Config& cfg) {
  if (!cfg.has_option(log::kLogFormatOption.name)) return;
  if (const auto f = log::parse_format(cfg.string(log::kLogFormatOption.name))) logger.set_format(*f);
}

bool reload_config(config::ConfigHolder& holder, const std::function<config::ConfigOutcome()>& load,
                   const DaemonSpec& spec, log::Logger& logger) {
  config::ConfigOutcome next;
  try {
    next = load();
  } catch (const std::exception& e) {
    log::Event(logger, log::Level::error, "config.reload_failed").kv("reason", e.what());
    return false;
  }
  log_problems(logger, next.problems);
  if (!next.ok()) {
    log::Event(logger, log::Level::error, "config.reload_failed")
        .kv("reason", "configuration has errors; keeping the previous one");
    return false;
  }
  if (spec.reload) {
    Result<void> applied = fail(Errc::internal, "reload callback threw");
    try {
      applied = spec.reload(next.config, logger);
    } catch (const std::exception& e) {
      applied = fail(Errc::internal, std::string("reload callback threw: ") + e.what());
    }
    if (!applied) {
      log::Event(logger, log::Level::error, "config.reload_failed")
          .kv("reason", applied.error().detail + "; keeping the previous configuration");
      return false;
    }
  }
  const auto old = holder.load();
  if (old) {
    for (std::string_view name : kRestartOnlyOptions) {
      if (!next.config->has_option(name)) continue;
      if (old->string(name) != next.config->string(name))
        log::Event(logger, log::Level::warning, "config.restart_required").kv("option", name);
    }
  }
  holder.store(next.config);
  apply_log_format(logger, *next.config);
  log::Event(logger, log::Level::info, "config.reloaded");
  return true;
}

}  // namespace cachet::daemon
