// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/process.cpp: see process.hpp.
#include "common/daemon/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/base/strings.hpp"
#include "common/config/file_reader.hpp"
#include "common/daemon/sd_notify.hpp"

namespace cachet::daemon {
namespace {

constexpr std::size_t kMaxPidFileBytes = 64;

std::string comm_of(const std::string& pid) {
  auto text = config::read_text_file("/proc/" + pid + "/comm", 256);
  return text ? std::string(trim(*text)) : std::string();
}

// Reads exactly one byte or EOF; retries on EINTR.
bool read_ready_byte(int fd) {
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    return n == 1;
  }
}

}  // namespace

std::optional<pid_t> parse_pid_text(std::string_view text) {
  const auto n = parse_uint(trim(text));
  if (!n || *n == 0 || *n > 0x3fffffff) return std::nullopt;
  return static_cast<pid_t>(*n);
}

Result<void> check_pid_file(const std::string& path) {
  auto text = config::read_text_file(path, kMaxPidFileBytes);
  if (!text) return {};  // absent or unreadable: nothing to protect
  const auto pid = parse_pid_text(*text);
  if (!pid || *pid == ::getpid()) return {};
  if (::kill(*pid, 0) != 0 && errno != EPERM) return {};  // no such process: stale
  const std::string theirs = comm_of(std::to_string(*pid));
  if (theirs.empty() || theirs != comm_of("self")) return {};  // pid reused by another program
  return fail(Errc::config, "already running as pid " + std::to_string(*pid) + " (" + path + ")");
}

Result<void> write_pid_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return fail(Errc::temporary, "cannot write " + path + ": " + std::strerror(errno));
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    return fail(Errc::temporary, "cannot write " + path + ": " + std::strerror(errno));
  return {};
}

bool remove_pid_file(const std::string& path) {
  auto text = config::read_text_file(path, kMaxPidFileBytes);
  if (!text || parse_pid_text(*text) != ::getpid()) return false;
  return ::unlink(path.c_str()) == 0;
}

void Background::report_ready() {
  if (!ready_pipe_.valid()) return;
  const char c = 'R';
  (void)!::write(ready_pipe_.get(), &c, 1);
  ready_pipe_.reset();
}

Result<Background> go_background() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(Errc::temporary, std::string("pipe: ") + std::strerror(errno));
  Fd read_end(fds[0]);
  Fd write_end(fds[1]);
  const pid_t first = ::fork();
  if (first < 0) return fail(Errc::temporary, std::string("fork: ") + std::strerror(errno));
  if (first > 0) {
    // The original process: wait for the daemon's word, then leave without running any
    // destructors or atexit handlers that belong to the daemon.
    write_end.reset();
    const bool ready = read_ready_byte(read_end.get());
    int status = 0;
    (void)::waitpid(first, &status, 0);  // the intermediate child exits at once
    std::_Exit(ready ? 0 : 1);
  }
  read_end.reset();
  if (::setsid() < 0) std::_Exit(1);
  const pid_t second = ::fork();
  if (second < 0) std::_Exit(1);
  if (second > 0) std::_Exit(0);  // the intermediate child: the daemon can never regain a tty
  (void)!::chdir("/");
  Fd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null.valid()) {
    ::dup2(null.get(), STDIN_FILENO);
    ::dup2(null.get(), STDOUT_FILENO);
    ::dup2(null.get(), STDERR_FILENO);
  }
  return Background(std::move(write_end));
}

void notify(std::string_view state) {
  const char* address = std::getenv("NOTIFY_SOCKET");
  if (address == nullptr || address[0] == '\0') return;  // not started by systemd
  // Readiness is best effort, as with libsystemd's sd_notify(): systemd notices a daemon
  // that never reports and fails the unit itself.
  (void)send_notify(address, state);
}

std::unique_ptr<log::Logger> make_logger(bool foreground, std::string ident) {
  if (foreground) return std::make_unique<log::StderrLogger>(std::move(ident));
  return std::make_unique<log::SyslogLogger>(std::move(ident));
}

}  // namespace cachet::daemon
