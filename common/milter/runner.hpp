// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/runner.hpp: runs a milter daemon's Sessions under libmilter. open() binds
// the socket (before privileges are dropped), run() (or start()/wait()) serves until stop().
// Only common/milter includes libmilter headers.
//
// LIMITATION: libmilter keeps its state in process globals (filter description, socket,
// stop flag), so there is one MilterRunner per process and it can be opened and run once;
// a second open() fails with Errc::internal.
// Signals: libmilter's own signal thread (which would stop the milter on SIGHUP) is parked
// for good by signal_guard.cpp; the daemon's SignalThread (common/daemon) receives every
// signal: SIGHUP/SIGUSR1 reload, SIGTERM/SIGINT call stop().
// LIMITATION (stop): libmilter drops idle connections at stop without the close callback,
// so those Sessions are never deleted (the process is about to exit); stop() waits until
// no hook is running (up to MilterOptions::drain_timeout_ms).
// LIMITATION (lifetime): libmilter's threads are detached and cannot be joined, so the
// spec, factory and logger given to the runner stay referenced until the process exits:
// keep what the factory captures and the logger alive in main() and exit after wait().
// Thread-safety: stop() from any thread (not from a signal handler); the rest from one.
//
// Use (a DMARC-like filter: headers only, A-R inserted first, no reply per header):
//   MilterSpec spec;
//   spec.name = "cachet-dmarc";
//   spec.actions = wire::kActAddHdrs | wire::kActQuarantine;
//   spec.steps.body = false;                       // SMFIP_NOBODY
//   spec.no_reply = wire::kNrHdr;                  // verdicts from on_header wait for EOH
//   spec.macros[int(wire::Stage::mail)] = "i {auth_authen}";
//   MilterRunner runner(spec, [&](const ConnInfo& ci) { return make_session(ci); }, logger);
//   if (auto ok = runner.open({.socket = "unix:/run/cachet-dmarc/dmarc.sock"}); !ok) ...
//   drop privileges; runner.start(); main thread: sigwait loop, SIGTERM -> runner.stop();
//   return runner.wait();
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.hpp"
#include "common/daemon/socket_spec.hpp"
#include "common/log/logger.hpp"
#include "common/milter/session.hpp"

namespace cachet::milter {

using SessionFactory = std::function<std::unique_ptr<Session>(const ConnInfo&)>;

namespace detail {
struct Shared;  // spec, factory, logger: what the C callbacks reach (layer.cpp)
}

struct MilterOptions {
  // Socket spec as common/daemon/socket_spec.hpp parses it: "unix:/path", "local:/path",
  // "/path", "inet:port[@host]", "inet6:port[@host]".
  std::string socket;
  int io_timeout_s = 7210;          // smfi_settimeout: MTA read/write timeout (libmilter default)
  int backlog = 128;                // smfi_setbacklog
  bool remove_stale_socket = true;  // a unix socket nobody answers on is replaced
                                    // (daemon::remove_stale_socket; a live one is refused)
  int drain_timeout_ms = 5000;      // stop(): how long to wait for running hooks
  int debug = 0;                    // smfi_setdbg
};

// True once signal_guard.cpp is linked in (always): referenced so the linker keeps it.
bool libmilter_signals_parked() noexcept;

class MilterRunner {
 public:
  static constexpr int kStopped = 0;             // stop() was called
  static constexpr int kFailed = 1;              // libmilter failed (socket, threads)
  static constexpr int kStoppedByLibmilter = 2;  // libmilter ended smfi_main by itself

  MilterRunner(MilterSpec spec, SessionFactory factory, log::Logger& logger);
  ~MilterRunner();
  MilterRunner(const MilterRunner&) = delete;
  MilterRunner& operator=(const MilterRunner&) = delete;

  // Registers the filter and opens the listening socket. Errors: internal (second runner
  // in this process), config (bad socket spec, a live process already on the unix socket,
  // bind/listen failed — libmilter logs the errno to syslog).
  [[nodiscard]] Result<void> open(const MilterOptions& options);
  // Serves in the calling thread until stopped; returns kStopped/kFailed/kStoppedByLibmilter.
  int run();
  // Serves in a new thread; wait() joins it and returns what run() would.
  [[nodiscard]] Result<void> start();
  int wait();
  // Asks the milter to stop and wakes its listener; returns when smfi_main has noticed.
  // Idempotent; callable before run() (run() then returns at once).
  void stop();

  // Sessions alive now, in this process (for tests and stats).
  static long live_sessions() noexcept;
  // Hook exceptions and internal errors turned into the failure action so far.
  static long internal_errors() noexcept;

 private:
  std::unique_ptr<detail::Shared> shared_;  // handed to libmilter's callbacks by open()
  MilterOptions options_;
  daemon::SocketSpec spec_;
  bool opened_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;
  int thread_result_ = kFailed;
};

}  // namespace cachet::milter
