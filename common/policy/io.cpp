// SPDX-License-Identifier: BSD-2-Clause
// common/policy/io.cpp: see io.hpp.
#include "common/policy/io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

namespace cachet::policy {

Error errno_error(const char* what, int err) {
  return Error{Errc::temporary, std::string(what) + ": " + std::strerror(err)};
}

int poll_timeout_ms(Clock::time_point deadline) noexcept {
  const auto now = Clock::now();
  if (deadline <= now) return 0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
  const auto ms = (us + 999) / 1000;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

Result<bool> wait_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, poll_timeout_ms(deadline));
    if (n > 0) return true;  // readiness, hang-up or error: the next call reports which
    if (n == 0) {
      if (Clock::now() >= deadline) return false;
      continue;  // woke a little early (rounding); wait the rest
    }
    const int err = errno;
    if (err != EINTR) return Unexpected(errno_error("poll", err));
  }
}

Result<std::optional<std::size_t>> read_some(int fd, char* data, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd, data, size);
    if (n >= 0) return std::optional<std::size_t>(static_cast<std::size_t>(n));
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return std::optional<std::size_t>();
    return Unexpected(errno_error("read", err));
  }
}

namespace {

// One write attempt: send() avoids SIGPIPE on sockets; write() for everything else.
ssize_t write_once(int fd, const char* data, std::size_t size, bool& is_socket) {
  if (is_socket) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n >= 0 || errno != ENOTSOCK) return n;
    is_socket = false;
  }
  return ::write(fd, data, size);
}

}  // namespace

Result<void> write_all(int fd, std::string_view bytes, Clock::time_point deadline) {
  bool is_socket = true;
  while (!bytes.empty()) {
    const ssize_t n = write_once(fd, bytes.data(), bytes.size(), is_socket);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) return Unexpected(errno_error("write", err));
    auto ready = wait_ready(fd, POLLOUT, deadline);
    if (!ready) return Unexpected(std::move(ready).error());
    if (!*ready) return fail(Errc::temporary, "write: timeout");
  }
  return {};
}

Result<void> set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return Unexpected(errno_error("fcntl", errno));
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) return Unexpected(errno_error("fcntl", errno));
  return {};
}

}  // namespace cachet::policy
