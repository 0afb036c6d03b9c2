// SPDX-License-Identifier: BSD-2-Clause
// common/milter/milter_daemon.cpp: see milter_daemon.hpp.
#include "common/milter/milter_daemon.hpp"

#include <stop_token>

namespace cachet::milter {
namespace {

// What open() creates and serve() runs; lives for the whole run_milter_daemon call.
struct Running {
  std::unique_ptr<MilterRunner> runner;
};

}  // namespace

int run_milter_daemon(const MilterDaemonSpec& spec, int argc, char** argv) {
  Running running;
  daemon::DaemonSpec d = spec;  // the runtime's part; open, serve and reload are ours
  d.open = [&](const daemon::OpenContext& ctx) -> Result<void> {
    if (auto r = spec.load_state(ctx.config, ctx.logger, true); !r) return r;
    log::Logger* logger = &ctx.logger;
    running.runner = std::make_unique<MilterRunner>(
        spec.milter(ctx.config), [&spec, logger](const ConnInfo& ci) { return spec.make_session(ci, *logger); },
        ctx.logger);
    MilterOptions options = spec.runner_options;
    options.socket = ctx.config.string("Socket");
    return running.runner->open(options);
  };
  d.serve = [&](daemon::ServeContext& ctx) -> int {
    struct Stopped {
      const std::function<void()>& hook;
      ~Stopped() {
        if (hook) hook();
      }
    } stopped{spec.stopped};
    // The layer's own process-wide counts, read at scrape time (static: never dangling).
    std::shared_ptr<void> open_series, error_series;
    if (spec.metrics != nullptr) {
      using Kind = metrics::Registry::CallbackKind;
      open_series =
          spec.metrics->add_callback("cachet_milter_connections_open", "MTA connections (milter sessions) open now",
                                     Kind::gauge, [] { return static_cast<double>(MilterRunner::live_sessions()); });
      error_series = spec.metrics->add_callback(
          "cachet_milter_internal_errors_total",
          "callbacks that failed internally (answered with the On-InternalError action)", Kind::counter,
          [] { return static_cast<double>(MilterRunner::internal_errors()); });
    }
    if (auto r = running.runner->start(); !r) {
      log::Event(ctx.logger, log::Level::error, "milter.start_failed").kv("reason", r.error().detail);
      return daemon::kExitOsError;
    }
    std::stop_callback on_stop(ctx.stop, [&] { running.runner->stop(); });
    const int rc = running.runner->wait();
    if (rc == MilterRunner::kStopped) return daemon::kExitOk;
    log::Event(ctx.logger, log::Level::error, "milter.ended").kv("reason", "the milter listener failed");
    return daemon::kExitOsError;
  };
  d.reload = [&](const std::shared_ptr<const config::Config>& cfg, log::Logger& logger) {
    return spec.load_state(*cfg, logger, false);
  };
  return daemon::run_daemon(d, argc, argv);
}

}  // namespace cachet::milter
