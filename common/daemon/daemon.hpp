// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/daemon.hpp: the startup order every daemon shares (STYLE.md s11), so that a
// daemon's main.cpp is one call:
//
//   int main(int argc, char** argv) {
//     cachet::dkim::Daemon d;                      // the daemon's own state
//     return cachet::daemon::run_daemon(d.spec(), argc, argv);
//   }
//
// run_daemon: parse the command line (usage error → 64) → load the config with the
// command-line overrides (errors → every problem on stderr and in the log, exit 78;
// `-n`/`--check-config` prints problems and exits 78 or 0; `--print-config` also prints the
// effective configuration) → spec.validate (cross-option checks) → refuse if the pid file
// names a live instance → resolve UserID and check that this process can become that user
// (root, or already that user and group: else exit 78) → block signals → set the process umask to UMask →
// spec.open (as root: bind sockets, read keys) → hand a UNIX Socket to UserID → drop
// privileges → go to the background unless foreground → write the pid file → start the
// signal thread → sd_notify READY=1 → spec.serve (until stop) → STOPPING=1 → remove the pid
// file and our own UNIX socket → serve's return value.
//
// Options the runtime reads itself, if the daemon's table declares them: MetricsListen,
// LogFormat, Socket (only to
// hand it to UserID and remove it at exit: binding is spec.open's job, so a milter can use
// smfi_setconn), UserID, UMask (octal), PidFile, Background (boolean). Changing any of these
// takes a restart; a reload logs "config.restart_required option=NAME".
// Foreground: -f, or Background no, or (without a Background option)
// !background_by_default. Logging: stderr with -f, else syslog facility mail; LogFormat
// (common/log/json.hpp, if declared) picks text or json lines, at startup and on reload.
//
// Reload (SIGHUP, SIGUSR1): reload_config() re-reads the same file with the same overrides;
// with errors the old snapshot stays and each problem is logged; else spec.validate and
// spec.reload (which may refuse: the old state stays) run, then the ConfigHolder is swapped.
// SIGTERM/SIGINT request stop on serve's stop_token: serve must then return promptly.
//
// Check mode goes further than parsing: it resolves UserID and checks it as startup does
// (run it as the user that starts the daemon), then runs spec.check (load the files open
// would load); their problems are printed with the others.
// Exit codes: 0 ok; 64 usage; 70 internal error (an exception escaped); 71 OS failure
// (bind, setuid, fork, pid file, already running); 78 configuration error (including a
// UserID the process cannot become: not root and not already that user and group).
// Callbacks must not start threads before serve (the runtime may fork after open).
// Milters and policy daemons: listen_socket(spec, process_umask()) in open (milters through
// MilterRunner::open); in serve, a std::stop_callback that stops the server. Policy
// daemons' spawn mode simply has no Socket.
#pragma once

#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/daemon/cli.hpp"
#include "common/daemon/privileges.hpp"
#include "common/log/logger.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;                    // EX_USAGE
inline constexpr int kExitSoftware = 70;                 // EX_SOFTWARE
inline constexpr int kExitOsError = 71;                  // EX_OSERR
inline constexpr int kExitConfig = config::kExitConfig;  // 78, EX_CONFIG

// What spec.open gets: the startup snapshot, the logger, and the user the daemon will run as
// (null if no UserID), e.g. to chown files it creates. Runs as the starting user (root).
struct OpenContext {
  const config::Config& config;
  log::Logger& logger;
  const RunAs* run_as;
};

// What spec.serve gets. Take one snapshot per message: `auto cfg = ctx.config.load();`.
struct ServeContext {
  config::ConfigHolder& config;
  log::Logger& logger;
  std::stop_token stop;  // fires on SIGTERM/SIGINT; register a std::stop_callback to wake up
};

struct DaemonSpec {
  std::string_view binary;                    // "cachet-dkim": syslog ident, usage, --version
  std::string_view version;                   // "0.1.0"
  config::OptionTable options;                // the daemon's table (outlives run_daemon)
  std::string_view default_config;            // "/etc/cachet/dkim.conf"
  char config_flag = 'x';                     // opendkim -x, opendmarc -c
  bool positional_config = false;             // policyd-spf takes the file as a bare argument
  bool background_by_default = true;          // used if the table has no Background
  bool allow_missing_default_config = false;  // policyd-spf: defaults if the file is absent
  // The user the packaged unit runs the daemon as ("cachet-dkim"); "" for none. The check
  // mode run as root without UserID judges the files for this user too, when it exists
  // (run_check_mode): the unit's start, not a root start, is the question asked.
  std::string_view packaged_user;

  // Optional: cross-option checks on a parsed config (errors stop startup / a reload).
  std::function<std::vector<config::Problem>(const config::Config&)> validate;
  // Optional: true when this configuration serves one connection on stdin/stdout (Postfix
  // spawn(8), inetd style): the runtime then stays in the foreground (whatever Background
  // says), writes no pid file (many instances run at once) and owns no socket.
  std::function<bool(const config::Config&)> serves_stdio;
  // Optional, check mode only: load what open would load (tables, main.cf, keys) exactly
  // as open does, without binding or starting anything; return each problem
  // (`file:line: problem` or `path: problem`). Runs only when the config parsed cleanly.
  std::function<std::vector<config::Problem>(const config::Config&)> check;
  // Required: bind sockets, read keys, as root. An Errc::config error exits 78, others 71.
  std::function<Result<void>(const OpenContext&)> open;
  // Required: serve until ctx.stop fires (or a fatal error); returns the exit code.
  std::function<int(ServeContext&)> serve;
  // Optional: apply a new snapshot (reload tables/keys); runs on the signal thread before
  // the snapshot is published. An error keeps the old config and old state.
  std::function<Result<void>(const std::shared_ptr<const config::Config>&, log::Logger&)> reload;
  // Optional: the daemon's metrics registry (common/metrics). When the table declares
  // MetricsListen and it is set, the runtime serves it over HTTP after going to the
  // background (not in spawn mode: one process per connection has nothing to scrape) and
  // counts reloads in it (cachet_reloads_total{outcome="ok|failed"}).
  metrics::Registry* metrics = nullptr;
};

int run_daemon(const DaemonSpec& spec, int argc, char** argv);

// One reload, as the signal thread runs it (exposed for tests). load() produces the new
// outcome (normally load_config of the same file with the same overrides). Logs every
// problem; returns true if the new snapshot was stored in holder.
bool reload_config(config::ConfigHolder& holder, const std::function<config::ConfigOutcome()>& load,
                   const DaemonSpec& spec, log::Logger& logger);

// The options the runtime consumes and which therefore only change on restart.
inline constexpr std::string_view kRestartOnlyOptions[] = {"Socket",  "UserID",     "UMask",
                                                           "PidFile", "Background", "MetricsListen"};

}  // namespace cachet::daemon
