// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/policy_daemon.hpp: the glue between common/daemon's run_daemon and the
// policy layer, so a policy daemon's main.cpp is one call:
//
//   int main(int argc, char** argv) {
//     return cachet::policy::run_policy_daemon(cachet::spfd::daemon_spec(), argc, argv);
//   }
//
// Two modes, chosen by the Socket option of the loaded configuration:
//  * socket mode (Socket names a socket spec): open binds it with daemon::listen_socket
//    (as root, before privileges drop); serve runs a PolicyServer until SIGTERM/SIGINT (a
//    std::stop_callback calls PolicyServer::stop()).
//  * spawn mode (the table has no Socket option, Socket is empty, or Socket is the word
//    `stdio`): Postfix spawn(8) or inetd gives us one connection on stdin/stdout (and
//    stderr). run_spawn answers on the main thread until end of file; the runtime stays in
//    the foreground, writes no pid file and logs to syslog (stderr only with -f). Nothing
//    but replies ever goes to stdout: when stderr is the same socket as stdout (spawn(8)
//    connects all three), stderr is pointed at /dev/null before anything can be printed.
//    Exit status: 0 after end of file or the idle timeout, 1 after a bad request or a
//    handler failure (Postfix then applies its default action), 2 on an I/O error.
//    SIGTERM shuts down the read side of a socket stdin (run_spawn sees end of file); on a
//    pipe, where that is impossible, the process exits at once (status 0).
// Startup cost in spawn mode is parsing the config plus the daemon's factory: keep heavy
// initialisation out of the factory (build lazily on first use) so a spawned child
// answers its first request within milliseconds.
//
// Handler lifetime and reload: the factory builds a PolicyHandler from one config
// snapshot; it runs once in open (errors: Errc::config exits 78, others 71) and again on
// every reload (SIGHUP/SIGUSR1). A new handler replaces the old one atomically for the
// next request; a request in flight finishes on the handler it started with (it holds a
// shared_ptr). A factory error on reload keeps the old config and the old handler.
// See also: common/daemon/daemon.hpp, server.hpp, spawn.hpp,
// tests/unit/common/policy/policy_daemon_test.cpp, tests/integration/sender_daemon_test.cpp
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/base/swappable.hpp"
#include "common/config/config.hpp"
#include "common/daemon/daemon.hpp"
#include "common/log/logger.hpp"
#include "common/policy/handler.hpp"
#include "common/policy/server.hpp"
#include "common/policy/spawn.hpp"

namespace cachet::policy {

// The Socket value that asks for spawn mode explicitly (for daemons whose Socket has a
// default: declare Socket as Kind::string, policy_daemon validates it as a socket spec).
inline constexpr std::string_view kSpawnSocketWord = "stdio";

// Builds the handler for one snapshot. Called in open (as root) and on reload (on the
// signal thread, as the unprivileged user). The handler may keep the snapshot.
using HandlerFactory =
    std::function<Result<std::shared_ptr<PolicyHandler>>(const std::shared_ptr<const config::Config>&, log::Logger&)>;

// The runtime's fields (binary, version, options, default_config, config_flag,
// positional_config, allow_missing_default_config, validate, check) are
// daemon::DaemonSpec's, set directly on this spec. run_policy_daemon adds the Socket check
// to validate, and sets serves_stdio, open, serve and reload (values given here are ignored).
struct PolicyDaemonSpec : daemon::DaemonSpec {
  HandlerFactory make_handler;  // required
  // Session limits (spawn and socket mode) and the server's threads.
  ServerOptions server;
};

int run_policy_daemon(const PolicyDaemonSpec& spec, int argc, char** argv);

// True when `socket_text` (the Socket option's value) asks for spawn mode. Pure.
bool is_spawn_socket(std::string_view socket_text) noexcept;
// True when cfg selects spawn mode (no Socket option, empty, or kSpawnSocketWord). Pure.
bool is_spawn_mode(const config::Config& cfg);
// The Socket check added to spec.validate: a value that is neither spawn mode nor a
// valid socket spec is an error naming the option and its origin. Pure.
std::vector<config::Problem> check_socket_option(const config::Config& cfg);
// The exit status of a spawn-mode run (see the file comment). Pure.
int spawn_exit_status(SpawnEnd end) noexcept;

// The handler the server and spawn mode call: forwards to the current handler, which
// store() replaces atomically (reload; a Swappable). Thread-safe.
class SwappableHandler final : public PolicyHandler {
 public:
  explicit SwappableHandler(std::shared_ptr<PolicyHandler> initial = nullptr) : current_(std::move(initial)) {}
  // Errors: Errc::internal when no handler was stored yet; else the current handler's.
  Result<std::string> handle(const Request& request, const ConnectionInfo& conn) override;
  void store(std::shared_ptr<PolicyHandler> next) { current_.store(std::move(next)); }
  std::shared_ptr<PolicyHandler> load() const { return current_.load(); }
  // Counts each failed request by its error class (Errc name; an exception: internal).
  // Set before serving.
  void set_error_counter(const metrics::FixedLabelCounter* c) noexcept { errors_ = c; }

 private:
  Swappable<PolicyHandler> current_;
  const metrics::FixedLabelCounter* errors_ = nullptr;
};

}  // namespace cachet::policy
