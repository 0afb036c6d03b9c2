// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/server.hpp: the policy-protocol socket server (check_policy_service
// unix:... or inet:...). It accepts on listening sockets it is given (common/daemon binds
// them and drops privileges), serves many persistent connections at once and many
// requests per connection, and calls a PolicyHandler for each request.
//
// Concurrency model: one event-loop thread (the caller of run()) does all socket I/O with
// epoll; handler calls go to a small pool of worker threads, because handlers may block
// on DNS for seconds and must not stall other connections. A connection has at most one
// request in flight (Postfix waits for each reply), so replies stay in order without
// per-connection locking; pipelined requests wait in the parser. Workers hand results
// back through a queue and an eventfd that also carries stop(). With worker_threads = 0
// the handler runs on the loop thread (for handlers that never block, e.g. table lookups:
// it saves two thread hand-offs per request).
//
// Failure handling per connection (the others keep being served): malformed input, a
// timeout inside a request, or EOF inside a request is logged once as
// `policy.bad_request conn=.. peer=.. reason=..` and the connection is closed; a handler
// failure follows answer() (handler.hpp). Idle connections (between requests) are closed
// silently after the idle timeout. At max_connections the server stops accepting (new
// connections wait in the kernel backlog) and logs `policy.connection_limit` once per
// episode; it resumes when a connection closes. accept() running out of descriptors
// pauses accepting for 100 ms (`policy.accept_error`).
//
// Graceful stop: stop() (any thread, also async-signal-safe) makes run() stop accepting,
// close connections that are idle or reading, let in-flight handler calls finish and
// send their replies (one non-blocking write), then return. run() therefore returns as
// soon as the slowest in-flight handler call finishes.
// Ownership: the listening descriptors are borrowed (not closed); the handler and logger
// must outlive the server.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "common/base/result.hpp"
#include "common/log/logger.hpp"
#include "common/policy/handler.hpp"

namespace cachet::policy {

struct ServerOptions {
  SessionOptions session;
  // Simultaneous connections; Postfix opens one per smtpd process that uses the service.
  std::size_t max_connections = 256;
  // Threads calling the handler; 0 = call it on the event-loop thread.
  std::size_t worker_threads = 4;
};

class PolicyServer {
 public:
  // `listeners` are listening, bound stream sockets (unix or TCP); borrowed.
  PolicyServer(std::vector<int> listeners, PolicyHandler& handler, log::Logger& logger, ServerOptions options = {});
  ~PolicyServer();
  PolicyServer(const PolicyServer&) = delete;
  PolicyServer& operator=(const PolicyServer&) = delete;

  // Serves until stop(); call once. Errors (Errc::temporary): epoll/eventfd creation or
  // registration failed, or epoll_wait failed.
  [[nodiscard]] Result<void> run();
  // Asks run() to finish (see the file comment). Callable before run(), from any thread
  // or a signal handler; idempotent.
  void stop() noexcept;
  // Open connections right now (for tests and status output).
  std::size_t connection_count() const noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cachet::policy
