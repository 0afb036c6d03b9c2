// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/daemon.cpp: run_daemon, the shared startup order; see daemon.hpp.
#include "common/daemon/daemon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <stop_token>

#include "common/daemon/check_mode.hpp"
#include "common/daemon/process.hpp"
#include "common/daemon/runtime_log.hpp"
#include "common/daemon/signals.hpp"
#include "common/daemon/socket_spec.hpp"
#include "common/log/json.hpp"

namespace cachet::daemon {
namespace {

// Everything decided before open(): where the config comes from and what the runtime
// itself must do with it.
struct Plan {
  std::string config_path;
  config::ParseOptions parse_options;
  bool foreground = false;  // -f: log to stderr
  bool background = false;  // fork away
  std::optional<std::string> pid_file;
  std::optional<std::string> user;
  std::optional<mode_t> umask_bits;
  std::optional<std::string> unix_socket;
  std::optional<std::string> metrics_listen;
};

config::ConfigOutcome load_all(const DaemonSpec& spec, const Plan& plan, bool path_given) {
  config::ConfigOutcome out;
  struct stat st {};
  if (!path_given && spec.allow_missing_default_config && ::stat(plan.config_path.c_str(), &st) != 0) {
    out = config::parse_config("", plan.config_path, spec.options, plan.parse_options);
    out.problems.insert(
        out.problems.begin(),
        config::Problem{plan.config_path, 0, "", "not found; using built-in defaults", config::Severity::warning});
  } else {
    out = config::load_config(plan.config_path, spec.options, plan.parse_options);
  }
  if (out.ok() && out.config->has_option(metrics::kMetricsListenOption.name)) {
    const std::string& text = out.config->string(metrics::kMetricsListenOption.name);
    if (auto r = metrics::parse_listen_address(text); !text.empty() && !r) {
      const auto at = out.config->origin(metrics::kMetricsListenOption.name).value_or(config::SourceLocation{});
      out.problems.push_back(config::Problem{at.file, at.line, "MetricsListen", r.error().detail});
      out.config.reset();
    }
  }
  if (out.ok() && spec.validate) {
    for (config::Problem& p : spec.validate(*out.config)) {
      if (p.severity == config::Severity::error) out.config.reset();
      out.problems.push_back(std::move(p));
    }
  }
  return out;
}

std::optional<std::string> option_text(const config::Config& cfg, std::string_view name) {
  if (!cfg.has_option(name) || cfg.string(name).empty()) return std::nullopt;
  return cfg.string(name);
}

void fill_runtime_settings(const DaemonSpec& spec, const config::Config& cfg, Plan& plan) {
  plan.background =
      !plan.foreground && (cfg.has_option("Background") ? cfg.boolean("Background") : spec.background_by_default);
  plan.pid_file = option_text(cfg, "PidFile");
  plan.user = option_text(cfg, "UserID");
  if (option_text(cfg, "UMask")) plan.umask_bits = static_cast<mode_t>(cfg.integer("UMask"));
  if (const auto text = option_text(cfg, "Socket")) {
    if (auto s = parse_socket_spec(*text); s && s->is_unix()) plan.unix_socket = s->path;
  }
  plan.metrics_listen = option_text(cfg, metrics::kMetricsListenOption.name);
  if (spec.serves_stdio && spec.serves_stdio(cfg)) {
    plan.metrics_listen.reset();  // spawn mode: one short-lived process per connection
    plan.background = false;
    plan.pid_file.reset();
    plan.unix_socket.reset();
  }
}

int fail_with(log::Logger& logger, std::string_view event, const Error& e, bool foreground) {
  log::Event(logger, log::Level::error, event).kv("reason", e.detail);
  if (!foreground) std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(event.size()), event.data(), e.detail.c_str());
  return e.code == Errc::config ? kExitConfig : kExitOsError;
}

// Removes what this process created, at whatever point startup or serving ended.
struct Leftovers {
  std::optional<std::string> pid_file;
  std::optional<std::string> socket_path;
  std::optional<FileIdentity> socket_id;
  ~Leftovers() {
    if (pid_file) (void)remove_pid_file(*pid_file);
    if (socket_path && socket_id) (void)remove_own_socket(*socket_path, *socket_id);
  }
};

// Steps from open() to the end of serve(); the config is known to be valid.
int start_and_serve(const DaemonSpec& spec, const Plan& plan, bool path_given,
                    std::shared_ptr<const config::Config> cfg, log::Logger& logger) {
  const bool fg = plan.foreground;
  if (plan.pid_file) {
    if (auto r = check_pid_file(*plan.pid_file); !r) {
      (void)fail_with(logger, "daemon.already_running", r.error(), fg);
      return kExitOsError;
    }
  }
  std::optional<RunAs> run_as;
  if (plan.user) {
    auto who = usable_user(*plan.user);
    if (!who) return fail_with(logger, "daemon.bad_user", who.error(), fg);
    run_as = *who;
  }
  block_daemon_signals();
  if (plan.umask_bits) ::umask(*plan.umask_bits);
  Leftovers leftovers;
  if (plan.unix_socket)  // the check mode's words, said before the bind would fail
    for (const config::Problem& p :
         check_socket_directory(*plan.unix_socket, source_of(config::problem_at(*cfg, "Socket", ""))))
      return fail_with(logger, "daemon.open_failed", Error{Errc::config, p.to_string()}, fg);
  if (auto r = spec.open(OpenContext{*cfg, logger, run_as ? &*run_as : nullptr}); !r)
    return fail_with(logger, "daemon.open_failed", r.error(), fg);
  if (plan.unix_socket && socket_identity(*plan.unix_socket)) {
    if (run_as)
      if (auto r = give_to(*plan.unix_socket, *run_as); !r)
        return fail_with(logger, "daemon.chown_failed", r.error(), fg);
    leftovers.socket_path = plan.unix_socket;
    leftovers.socket_id = socket_identity(*plan.unix_socket);
  }
  if (!run_as && ::geteuid() == 0)
    log::Event(logger, log::Level::warning, "daemon.running_as_root").kv("hint", "set UserID to drop privileges");
  if (run_as)
    if (auto r = drop_privileges(*run_as); !r) {
      const Error e{Errc::temporary, r.error().detail};  // never a config exit: we stay root
      return fail_with(logger, "daemon.drop_privileges_failed", e, fg);
    }
  Background bg;
  if (plan.background) {
    auto detached = go_background();
    if (!detached) return fail_with(logger, "daemon.background_failed", detached.error(), fg);
    bg = std::move(*detached);
  }
  if (plan.pid_file) {
    if (auto r = write_pid_file(*plan.pid_file); !r) return fail_with(logger, "daemon.pid_file_failed", r.error(), fg);
    leftovers.pid_file = plan.pid_file;
  }
  metrics::CounterFamily reloads;
  if (spec.metrics != nullptr) {
    reloads = spec.metrics->counter_family("cachet_reloads_total", "configuration reloads by outcome", {"outcome"});
    (void)reloads.with_labels({"ok"});  // both series exist from the start
    (void)reloads.with_labels({"failed"});
    if (plan.metrics_listen) {
      if (auto r = spec.metrics->listen(*plan.metrics_listen); !r)
        return fail_with(logger, "metrics.listen_failed", r.error(), fg);
      log::Event(logger, log::Level::info, "metrics.listening")
          .kv("address", *plan.metrics_listen)
          .kv("port", spec.metrics->listening_port());
    }
  }
  config::ConfigHolder holder(std::move(cfg));
  std::stop_source stop;
  int rc = kExitOk;
  {
    SignalThread signals(
        [&](int sig) {
          log::Event(logger, log::Level::info, "daemon.reload").kv("signal", signal_name(sig));
          notify("RELOADING=1");
          const bool ok = reload_config(
              holder, [&] { return load_all(spec, plan, path_given); }, spec, logger);
          reloads.with_labels({ok ? "ok" : "failed"}).inc();
          notify("READY=1");
        },
        [&](int sig) {
          log::Event(logger, log::Level::info, "daemon.stopping").kv("signal", signal_name(sig));
          stop.request_stop();
        });
    log::Event(logger, log::Level::info, "daemon.start")
        .kv("program", spec.binary)
        .kv("version", spec.version)
        .kv("config", plan.config_path)
        .kv("pid", static_cast<long long>(::getpid()));
    notify("READY=1\nMAINPID=" + std::to_string(::getpid()));
    bg.report_ready();
    ServeContext ctx{holder, logger, stop.get_token()};
    try {
      rc = spec.serve(ctx);
    } catch (const std::exception& e) {
      log::Event(logger, log::Level::error, "daemon.internal_error").kv("reason", e.what());
      rc = kExitSoftware;
    }
    notify("STOPPING=1");
  }
  log::Event(logger, log::Level::info, "daemon.stop").kv("status", rc);
  return rc;
}

int run(const DaemonSpec& spec, int argc, char** argv) {
  const CliSpec cli_spec{spec.binary, spec.config_flag, spec.positional_config};
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto cli = parse_command_line(cli_spec, args);
  if (!cli) {
    std::cerr << spec.binary << ": " << cli.error().detail << '\n' << usage(cli_spec);
    return kExitUsage;
  }
  if (cli->help) {
    std::cout << usage(cli_spec);
    return kExitOk;
  }
  if (cli->dump_options) {
    std::cout << dump_options(spec.options);
    return kExitOk;
  }
  if (cli->version) {
    std::cout << spec.binary << ' ' << spec.version << '\n';
    return kExitOk;
  }
  Plan plan;
  plan.config_path = cli->config_path.value_or(std::string(spec.default_config));
  plan.parse_options.overrides = cli_overrides(*cli, spec.options);
  plan.foreground = cli->foreground;
  const bool path_given = cli->config_path.has_value();
  config::ConfigOutcome outcome = load_all(spec, plan, path_given);
  if (cli->check_only) {
    run_check_mode(spec, outcome);
    const int rc = config::check_config(outcome, std::cerr);
    if (rc == 0 && cli->print_config) std::cout << outcome.config->effective();
    return rc;
  }
  const auto logger = make_logger(plan.foreground, std::string(spec.binary));
  if (outcome.ok()) apply_log_format(*logger, *outcome.config);
  log_problems(*logger, outcome.problems);
  if (!outcome.ok()) {
    if (!plan.foreground)
      for (const auto& p : outcome.problems) std::cerr << p.to_string() << '\n';
    return kExitConfig;
  }
  fill_runtime_settings(spec, *outcome.config, plan);
  return start_and_serve(spec, plan, path_given, outcome.config, *logger);
}

}  // namespace

int run_daemon(const DaemonSpec& spec, int argc, char** argv) {
  try {
    return run(spec, argc, argv);
  } catch (const std::exception& e) {
    // STYLE.md s6: an exception during startup is reported and exits as a config error.
    std::fprintf(stderr, "%.*s: startup failed: %s\n", static_cast<int>(spec.binary.size()), spec.binary.data(),
                 e.what());
    return kExitConfig;
  }
}

}  // namespace cachet::daemon
