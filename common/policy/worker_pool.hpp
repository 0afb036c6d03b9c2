// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/worker_pool.hpp: the server's handler threads. Jobs (one request of one
// connection) go in through submit(); each result is queued and the event loop is woken
// through `wake_fd` (an eventfd, written with 1). Internal to common/policy.
// Thread-safe. stop() finishes the jobs already queued, then joins the threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/guarded.hpp"
#include "common/log/logger.hpp"
#include "common/policy/handler.hpp"

namespace cachet::policy {

struct Job {
  std::uint64_t conn_id;
  Request request;
  ConnectionInfo info;  // its peer view points into the connection, kept alive while busy
};

struct JobDone {
  std::uint64_t conn_id;
  std::optional<std::string> reply;  // nullopt: close without replying
};

class WorkerPool {
 public:
  WorkerPool(PolicyHandler& handler, log::Logger& logger, OnHandlerError on_error, int wake_fd);
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Starts `threads` threads. Errors: std::system_error from std::thread (startup only).
  void start(std::size_t threads);
  void submit(Job job);
  // Results finished since the last call, in completion order.
  std::deque<JobDone> take_done();
  void stop() noexcept;

 private:
  void work();

  PolicyHandler& handler_;
  log::Logger& logger_;
  OnHandlerError on_error_;
  int wake_fd_;
  struct Queues {
    std::deque<Job> jobs;
    std::deque<JobDone> done;
    bool stopping = false;
  };
  Guarded<Queues> queues_;
  std::condition_variable cv_;  // jobs added or stopping
  std::vector<std::thread> threads_;
};

// Wakes an eventfd-based loop; async-signal-safe.
void wake(int event_fd) noexcept;

}  // namespace cachet::policy
