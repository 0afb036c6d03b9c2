// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/process.hpp: the process-level chores of a daemon: the pid file, going into
// the background, systemd readiness and choosing the logger.
//
// Pid file: refused if it names a live process running the same program (compared by
// /proc/PID/comm); a stale one is replaced. It is written after the daemon is ready to
// bind-and-serve and removed at exit only while it still holds our pid.
// Background: fork, setsid, fork again; the first process waits until the daemon calls
// Background::report_ready() (or dies) and exits 0 (or 1), so an init system that waits for
// the starting process sees a ready daemon or a failure, never a race.
// Everything here runs at startup or shutdown on the main thread, before other threads
// exist (fork), except notify(), which any thread may call.
// See also: daemon.hpp, tests/unit/common/daemon/daemon_test.cpp
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"
#include "common/log/logger.hpp"

namespace cachet::daemon {

// "1234\n" → 1234. Pure. nullopt for anything but a positive decimal pid and blanks.
std::optional<pid_t> parse_pid_text(std::string_view text);

// Errc::config "already running as pid N (PATH)" if path names a live process whose comm
// equals ours; ok if the file is absent, unreadable as a pid, or stale.
[[nodiscard]] Result<void> check_pid_file(const std::string& path);

// Writes our pid (O_NOFOLLOW, mode 0644 less the umask). Errc::temporary on failure.
[[nodiscard]] Result<void> write_pid_file(const std::string& path);

// Unlinks path if it still holds our pid. Returns true if removed.
bool remove_pid_file(const std::string& path);

// The still-running child after go_background(); tells the waiting parent we are ready.
class Background {
 public:
  Background() = default;
  explicit Background(Fd ready_pipe) : ready_pipe_(std::move(ready_pipe)) {}
  // Writes the readiness byte and closes the pipe; later calls do nothing.
  void report_ready();

 private:
  Fd ready_pipe_;
};

// Detaches from the terminal: double fork, setsid, chdir("/"), stdin/stdout/stderr to
// /dev/null. Returns only in the grandchild; the original process exits (0 once the
// grandchild reports ready, 1 if it exits first). Errc::temporary if fork/pipe fail.
[[nodiscard]] Result<Background> go_background();

// sd_notify(3) (our sd_notify.hpp, no libsystemd) with the given state ("READY=1",
// "RELOADING=1", "STOPPING=1"); best effort, a no-op when
// not started by systemd with NOTIFY_SOCKET.
void notify(std::string_view state);

// stderr (with the ident) in the foreground, else syslog facility mail with the ident.
std::unique_ptr<log::Logger> make_logger(bool foreground, std::string ident);

}  // namespace cachet::daemon
