// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/signals.cpp: see signals.hpp.
#include "common/daemon/signals.hpp"

#include <pthread.h>
#include <signal.h>

namespace cachet::daemon {
namespace {

// SIGUSR2 only wakes the thread for shutdown; sent by ~SignalThread to this thread alone.
sigset_t daemon_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGHUP, SIGUSR1, SIGTERM, SIGINT, SIGUSR2}) sigaddset(&set, sig);
  return set;
}

}  // namespace

void block_daemon_signals() {
  const sigset_t set = daemon_signal_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
}

SignalThread::SignalThread(std::function<void(int)> on_reload, std::function<void(int)> on_stop)
    : on_reload_(std::move(on_reload)), on_stop_(std::move(on_stop)) {
  block_daemon_signals();  // in case the caller forgot; the new thread inherits the mask
  thread_ = std::thread([this] { run(); });
}

SignalThread::~SignalThread() {
  quit_.store(true);
  pthread_kill(thread_.native_handle(), SIGUSR2);
  thread_.join();
}

void SignalThread::run() {
  const sigset_t set = daemon_signal_set();
  for (;;) {
    const int sig = sigwaitinfo(&set, nullptr);
    if (sig < 0) continue;
    switch (sig) {
      case SIGHUP:
      case SIGUSR1:
        if (on_reload_) on_reload_(sig);
        break;
      case SIGTERM:
      case SIGINT:
        if (on_stop_) on_stop_(sig);
        break;
      default: break;
    }
    if (quit_.load()) return;
  }
}

const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGHUP: return "HUP";
    case SIGUSR1: return "USR1";
    case SIGTERM: return "TERM";
    case SIGINT: return "INT";
    case SIGUSR2: return "USR2";
    default: return "other";
  }
}

}  // namespace cachet::daemon
