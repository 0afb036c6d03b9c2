// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/daemon_process.hpp: a daemon binary started by an integration test (fork/exec,
// no shell), its stderr captured in a log file, signalled and killed by pid. The
// destructor SIGKILLs a process that is still running and reaps it. Waiting is always for
// a condition with a bound (eventually()), never a bare sleep. One object per process;
// not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cachet::testlib {

// Polls cond every few milliseconds until it holds or the timeout passes; returns the
// last result.
bool eventually(const std::function<bool()>& cond, std::chrono::milliseconds timeout = std::chrono::seconds(10));

class DaemonProcess {
 public:
  // Starts argv[0] (a path) with argv; stdin is /dev/null, stdout and stderr go to
  // log_path. Check alive() or wait for a condition to learn whether it started.
  DaemonProcess(std::vector<std::string> argv, std::string log_path);
  ~DaemonProcess() { kill_now(); }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  bool alive();
  // The exit status (WEXITSTATUS, or 128 + signal) once the process ended within the
  // timeout, else -1.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void signal(int sig);
  void kill_now();
  pid_t pid() const noexcept { return pid_; }
  // What the process wrote to stdout/stderr so far.
  std::string log() const;
  // User + system CPU seconds the running process used so far (/proc/PID/stat, all
  // threads); -1 when it is not running.
  double cpu_seconds() const;

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::string log_path_;
};

}  // namespace cachet::testlib
