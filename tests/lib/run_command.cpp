// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/run_command.cpp: fork/exec with three pipes and a poll loop (run_command.hpp).
#include "tests/lib/run_command.hpp"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base/fd.hpp"

namespace cachet::testlib {

namespace {

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end = Fd(fds[0]);
  write_end = Fd(fds[1]);
  return true;
}

}  // namespace

Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& input,
                                  std::chrono::milliseconds deadline) {
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (argv.empty() || !make_pipe(in_r, in_w) || !make_pipe(out_r, out_w) || !make_pipe(err_r, err_w))
    return fail(Errc::internal, "run_command: pipe failed");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return fail(Errc::internal, "run_command: fork failed");
  if (pid == 0) {
    ::dup2(in_r.get(), 0);
    ::dup2(out_w.get(), 1);
    ::dup2(err_w.get(), 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  in_r.reset();
  out_w.reset();
  err_w.reset();
  ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  ::signal(SIGPIPE, SIG_IGN);
  CommandResult result;
  std::size_t sent = 0;
  if (input.empty()) in_w.reset();
  const auto end = std::chrono::steady_clock::now() + deadline;
  bool timed_out = false;
  while (out_r.get() >= 0 || err_r.get() >= 0) {
    pollfd fds[3] = {{out_r.get(), POLLIN, 0}, {err_r.get(), POLLIN, 0}, {in_w.get(), POLLOUT, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (::poll(fds, 3, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    Fd* readers[2] = {&out_r, &err_r};
    std::string* sinks[2] = {&result.out, &result.err};
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[65536];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0)
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || errno != EINTR)
        readers[i]->reset();
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(in_w.get(), input.data() + sent, input.size() - sent);
      if (n > 0) sent += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) in_w.reset();
      if (sent == input.size()) in_w.reset();
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (timed_out) return fail(Errc::temporary, "run_command: " + argv[0] + " did not finish in time");
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace cachet::testlib
