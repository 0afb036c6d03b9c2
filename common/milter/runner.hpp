// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/runner.hpp: the milter server. open() binds the socket (before privileges
// are dropped), run() (or start()/wait()) serves until stop(). Each MTA connection is
// served by one thread of a pool that grows to the number of connections open at once and
// keeps its idle threads (Postfix opens one connection per SMTP session); idle threads
// wait in accept() themselves, so a connection is never handed from thread to thread.
//
// Why our own server and not libmilter: libmilter polls before every command and reads
// each command's length and body separately, ~90 system calls per message whatever the
// filter does (tests/bench/README.md). Here a connection's thread blocks in read() and
// takes whatever has arrived, often a whole message's no-reply steps in one read; the
// answer goes out in one write. The protocol itself is connection.hpp's.
//
// Timeouts: MilterOptions::io_timeout_s bounds how long the MTA may stay silent between
// commands and how long one write may block; the connection is then closed (on_close).
// Stop: stop() (any thread, not a signal handler) makes run() stop accepting and shut down
// the read side of every connection; a hook that is running finishes and its answer is sent, then
// every Session gets on_close. run() returns once every connection is closed, or after
// MilterOptions::drain_timeout_ms with the threads still in a hook left running (they
// keep the server's shared state alive; the process is about to exit).
// Signals: none are handled here; the daemon's SignalThread (common/daemon) receives them.
// Thread-safety: stop() from any thread; the rest from one.
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
#include <memory>
#include <string>
#include <thread>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"
#include "common/log/logger.hpp"
#include "common/milter/connection.hpp"
#include "common/milter/session.hpp"

namespace cachet::milter {

struct MilterOptions {
  // Socket spec as common/daemon/socket_spec.hpp parses it: "unix:/path", "local:/path",
  // "/path", "inet:port[@host]", "inet6:port[@host]". A UNIX socket is created with the
  // process umask; a stale one is replaced, a live one refused.
  std::string socket;
  int io_timeout_s = 7210;      // silence from the MTA (and a blocked write) allowed per connection
  int drain_timeout_ms = 5000;  // stop(): how long to wait for hooks still running
};

namespace detail {
struct Server;  // listener, pool and connections: shared with the connection threads
}

class MilterRunner {
 public:
  static constexpr int kStopped = 0;  // stop() was called
  static constexpr int kFailed = 1;   // accept() failed for good (logged: milter.listener_failed)

  MilterRunner(MilterSpec spec, SessionFactory factory, log::Logger& logger);
  ~MilterRunner();
  MilterRunner(const MilterRunner&) = delete;
  MilterRunner& operator=(const MilterRunner&) = delete;

  // Binds and listens. Errors: config (bad socket spec, a live process already on the
  // UNIX socket, something that is not a socket in the way, bind failed), temporary (other
  // OS failures), internal (opened twice).
  [[nodiscard]] Result<void> open(const MilterOptions& options);
  // Serves in the calling thread until stopped; returns kStopped or kFailed.
  int run();
  // Serves in a new thread; wait() joins it and returns what run() would.
  [[nodiscard]] Result<void> start();
  int wait();
  // Asks the server to stop; run() then drains (see above). Idempotent; callable before
  // run() (run() then returns at once).
  void stop();

  // Sessions alive now, in this process (for tests and stats).
  static long live_sessions() noexcept { return Connection::live_sessions(); }
  // Hook exceptions and internal errors turned into the failure action so far.
  static long internal_errors() noexcept { return Connection::internal_errors(); }

 private:
  std::shared_ptr<detail::Server> server_;
  std::thread thread_;
  int thread_result_ = kFailed;
};

}  // namespace cachet::milter
