// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/milter_daemon.hpp: the glue between common/daemon's run_daemon (startup
// order, privileges, signals, reload) and MilterRunner, so that a milter's main.cpp is one
// call:
//
//   int main(int argc, char** argv) {
//     static cachet::dkimd::DkimDaemon d;  // owns a Swappable<const DkimState>
//     return cachet::milter::run_milter_daemon(d.spec(), argc, argv);
//   }
//
// What it does with the daemon's hooks:
//   open   (as root, before the privilege drop): load_state(config, startup=true) builds
//          the immutable state (keys, tables); then MilterRunner::open binds the Socket
//          option (a stale UNIX socket is removed, a live one refused).
//   serve  MilterRunner::start; a std::stop_callback on SIGTERM/SIGINT calls stop(); wait.
//          Exit code 0 after a requested stop, 71 when the listener failed.
//   reload (SIGHUP/SIGUSR1, signal thread): load_state(new config, startup=false); the
//          daemon builds a new state and swaps it into its Swappable only on success, so
//          a broken new key keeps the old state (run_daemon logs the refusal).
//   stop   after serve: stopped() (optional) lets the daemon flush and drop its state.
// Sessions read the state with Swappable::load() once per message (at MAIL FROM) and keep
// that snapshot until the message ends, so a reload never changes a message half-way.
// The MilterSpec (negotiation, macro lists) comes from the startup config: changing what
// it depends on needs a restart.
// Threading: Swappable (common/base) is thread-safe; the hooks run on the server's
// connection threads (runner.hpp).
// See also: runner.hpp, common/daemon/daemon.hpp, milters/dkim, milters/dmarc.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/daemon/daemon.hpp"
#include "common/log/logger.hpp"
#include "common/milter/runner.hpp"
#include "common/milter/session.hpp"

namespace cachet::milter {

// The runtime's fields (binary, version, options, default_config, config_flag, validate,
// check, ...) are daemon::DaemonSpec's, set directly on this spec; open, serve and reload
// belong to run_milter_daemon, which sets them (a value given here is ignored).
struct MilterDaemonSpec : daemon::DaemonSpec {
  // Required: the negotiation for this config (read once, at startup).
  std::function<MilterSpec(const config::Config&)> milter;
  // Required: builds the daemon's immutable state from `config` and stores it (only on
  // success). startup = true at open (as root), false on reload. Errc::config at startup
  // exits 78; any error on reload keeps the old state and config.
  // The state should copy what it needs from the config (the snapshot is not kept alive).
  std::function<Result<void>(const config::Config& config, log::Logger& logger, bool startup)> load_state;
  // Required: one Session per MTA connection.
  std::function<std::unique_ptr<Session>(const ConnInfo&, log::Logger&)> make_session;
  // Optional: called once when serving has ended (all sessions closed), while the logger
  // still exists: release state that owns threads or queues (e.g. history writers).
  std::function<void()> stopped;
  // Optional: server settings other than the socket (which comes from "Socket").
  MilterOptions runner_options{};
};

// Runs the daemon (see daemon::run_daemon for the command line and exit codes).
int run_milter_daemon(const MilterDaemonSpec& spec, int argc, char** argv);

}  // namespace cachet::milter
