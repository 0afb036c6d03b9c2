// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/signals.hpp: signals are handled by one thread that sigwait()s, so no work
// happens in an async signal handler. SIGHUP and SIGUSR1 → on_reload; SIGTERM and SIGINT →
// on_stop. Call block_daemon_signals() on the main thread before any other thread starts
// (threads inherit the mask), then start a SignalThread. SIGPIPE is ignored (peers hang up).
// The callbacks run on the signal thread, one at a time.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace cachet::daemon {

void block_daemon_signals();

class SignalThread {
 public:
  SignalThread(std::function<void(int sig)> on_reload, std::function<void(int sig)> on_stop);
  ~SignalThread();  // wakes the thread and joins it
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  void run();
  std::function<void(int)> on_reload_;
  std::function<void(int)> on_stop_;
  std::atomic<bool> quit_{false};
  std::thread thread_;
};

// "HUP", "USR1", "TERM", "INT" (for log lines).
const char* signal_name(int sig) noexcept;

}  // namespace cachet::daemon
