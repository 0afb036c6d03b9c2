// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_delivery.cpp: see report_delivery.hpp.
#include "common/dmarc/report_delivery.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/base/fd.hpp"

extern char** environ;

namespace cachet::dmarc {
namespace {

constexpr std::size_t kMaxStderrBytes = 4096;

Unexpected<Error> sys_error(std::string what, int err) {
  return fail(Errc::temporary, what + ": " + std::strerror(err));
}

std::string first_line(std::string s) {
  s = s.substr(0, s.find('\n'));
  for (char& c : s) c = (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  return s;
}

}  // namespace

Result<void> SendmailDelivery::deliver(const std::string& from, const std::string& to, const std::string&,
                                       const std::string& message) {
  int in[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return sys_error("pipe", errno);
  Fd in_read(in[0]), in_write(in[1]);
  if (::pipe2(err, O_CLOEXEC) != 0) return sys_error("pipe", errno);
  Fd err_read(err[0]), err_write(err[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  std::vector<std::string> args{sendmail_, "-i", "-f", from, "--", to};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child starts with no signal blocked and SIGPIPE at its default: a daemon's thread
  // blocks SIGTERM/SIGHUP (common/daemon/signals.hpp) and ignores SIGPIPE, and exec would
  // hand both to sendmail.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, pipe;
  sigemptyset(&none);
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &pipe);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, sendmail_.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return sys_error("cannot run " + sendmail_, rc);
  in_read.reset();
  err_write.reset();
  const bool written = write_all(in_write.get(), message);
  in_write.reset();  // EOF for sendmail
  std::string output;
  char buf[512];
  for (ssize_t n; (n = ::read(err_read.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (output.size() < kMaxStderrBytes) output.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && written) return {};
  std::string why = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                      : "killed by signal " + std::to_string(WTERMSIG(status));
  if (!written) why += ", message not fully written";
  if (!output.empty()) why += ": " + first_line(output);
  return fail(Errc::temporary, sendmail_ + " " + why);
}

Result<void> DirectoryDelivery::deliver(const std::string&, const std::string&, const std::string& file_stem,
                                        const std::string& message) {
  std::string name;
  for (const char c : file_stem) name += (c == '/' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
  const std::string path = dir_ + "/" + name + ".eml", tmp = path + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640));
  if (!fd.valid()) return sys_error("cannot create " + tmp, errno);
  if (!write_all(fd.get(), message) || ::fsync(fd.get()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return sys_error("cannot write " + tmp, e);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return sys_error("cannot rename to " + path, e);
  }
  return {};
}

}  // namespace cachet::dmarc
