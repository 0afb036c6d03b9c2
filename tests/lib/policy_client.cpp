// SPDX-License-Identifier: BSD-2-Clause
// tests/lib/policy_client.cpp: see policy_client.hpp.
#include "tests/lib/policy_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/policy/io.hpp"

namespace cachet::testlib {

namespace {

using policy::Clock;
using policy::errno_error;

// Reads once: bytes read, 0 at end of file or reset (a server that closes with our bytes
// unread makes the kernel reset the connection: the same "closed" for a test), -1 when
// nothing is available yet.
Result<ssize_t> read_once(int fd, char* buf, std::size_t size) {
  for (;;) {
    const ssize_t n = ::read(fd, buf, size);
    if (n >= 0) return n;
    const int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return ssize_t{-1};
    if (err == ECONNRESET) return ssize_t{0};
    return Unexpected(errno_error("read", err));
  }
}

}  // namespace

Result<PolicyClient> PolicyClient::connect_unix(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path) return fail(Errc::config, "socket path too long");
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unexpected(errno_error("socket", errno));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&sun), sizeof sun) != 0)
    return Unexpected(errno_error("connect", errno));
  if (auto nb = policy::set_nonblocking(fd.get()); !nb) return Unexpected(nb.error());
  return PolicyClient(std::move(fd), -1);
}

Result<PolicyClient> PolicyClient::connect_inet(const std::string& address, std::uint16_t port) {
  sockaddr_in in{};
  sockaddr_in6 in6{};
  const sockaddr* sa = nullptr;
  socklen_t len = 0;
  if (::inet_pton(AF_INET, address.c_str(), &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    sa = reinterpret_cast<const sockaddr*>(&in);
    len = sizeof in;
  } else if (::inet_pton(AF_INET6, address.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
    sa = reinterpret_cast<const sockaddr*>(&in6);
    len = sizeof in6;
  } else {
    return fail(Errc::config, "not a numeric address: " + address);
  }
  Fd fd(::socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Unexpected(errno_error("socket", errno));
  if (::connect(fd.get(), sa, len) != 0) return Unexpected(errno_error("connect", errno));
  if (auto nb = policy::set_nonblocking(fd.get()); !nb) return Unexpected(nb.error());
  return PolicyClient(std::move(fd), -1);
}

Result<PolicyClient> PolicyClient::spawn(const std::vector<std::string>& argv) {
  if (argv.empty()) return fail(Errc::config, "empty argv");
  // Everything the child needs is built before fork(): after it, only async-signal-safe
  // calls (the test process has threads).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return Unexpected(errno_error("socketpair", errno));
  Fd ours(sv[0]);
  Fd theirs(sv[1]);
  const pid_t pid = ::fork();
  if (pid < 0) return Unexpected(errno_error("fork", errno));
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(theirs.get(), 0) < 0 || ::dup2(theirs.get(), 1) < 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  theirs.reset();
  PolicyClient client(std::move(ours), pid);
  if (auto nb = policy::set_nonblocking(client.fd_.get()); !nb) return Unexpected(nb.error());
  return client;
}

PolicyClient::PolicyClient(PolicyClient&& other) noexcept
    : fd_(std::move(other.fd_)),
      pid_(std::exchange(other.pid_, -1)),
      wbuf_(std::move(other.wbuf_)),
      rbuf_(std::move(other.rbuf_)),
      action_(std::move(other.action_)) {}

PolicyClient& PolicyClient::operator=(PolicyClient&& other) noexcept {
  if (this != &other) {
    kill_child();
    fd_ = std::move(other.fd_);
    pid_ = std::exchange(other.pid_, -1);
    wbuf_ = std::move(other.wbuf_);
    rbuf_ = std::move(other.rbuf_);
    action_ = std::move(other.action_);
  }
  return *this;
}

PolicyClient::~PolicyClient() { kill_child(); }

void PolicyClient::kill_child() noexcept {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
  pid_ = -1;
}

Result<void> PolicyClient::send(std::span<const policy::Attribute> attributes, std::chrono::milliseconds timeout) {
  wbuf_.clear();
  if (auto ok = policy::append_request(wbuf_, attributes); !ok) return ok;
  return send_raw(wbuf_, timeout);
}

Result<void> PolicyClient::send(const policy::Request& request, std::chrono::milliseconds timeout) {
  wbuf_.clear();
  if (auto ok = policy::append_request(wbuf_, request); !ok) return ok;
  return send_raw(wbuf_, timeout);
}

Result<void> PolicyClient::send_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
  return policy::write_all(fd_.get(), bytes, Clock::now() + timeout);
}

Result<bool> PolicyClient::take_reply(PolicyReply& out) {
  const auto end = rbuf_.find("\n\n");
  if (end == std::string::npos) return false;
  const std::string_view reply = std::string_view(rbuf_).substr(0, end);
  constexpr std::string_view kPrefix = "action=";
  if (reply.substr(0, kPrefix.size()) != kPrefix || reply.find('\n') != std::string_view::npos)
    return fail(Errc::bad_input, "malformed reply: " + std::string(reply.substr(0, 200)));
  action_.assign(reply.substr(kPrefix.size()));
  rbuf_.erase(0, end + 2);
  out = PolicyReply{ReplyStatus::action, action_};
  return true;
}

Result<PolicyReply> PolicyClient::read_reply(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  PolicyReply reply;
  char buf[4096];
  for (;;) {
    auto done = take_reply(reply);
    if (!done) return Unexpected(std::move(done).error());
    if (*done) return reply;
    auto ready = policy::wait_ready(fd_.get(), POLLIN, deadline);
    if (!ready) return Unexpected(std::move(ready).error());
    if (!*ready) return PolicyReply{ReplyStatus::timeout, {}};
    auto n = read_once(fd_.get(), buf, sizeof buf);
    if (!n) return Unexpected(std::move(n).error());
    if (*n < 0) continue;
    if (*n == 0) {
      if (!rbuf_.empty()) return fail(Errc::bad_input, "connection closed inside a reply");
      return PolicyReply{ReplyStatus::closed, {}};
    }
    rbuf_.append(buf, static_cast<std::size_t>(*n));
  }
}

Result<PolicyReply> PolicyClient::ask(std::span<const policy::Attribute> attributes,
                                      std::chrono::milliseconds timeout) {
  if (auto sent = send(attributes, timeout); !sent) {
    // The server may have closed first; report that the same way read_reply() would.
    if (sent.error().code == Errc::temporary) return read_reply(timeout);
    return Unexpected(sent.error());
  }
  return read_reply(timeout);
}

void PolicyClient::shutdown_write() noexcept { ::shutdown(fd_.get(), SHUT_WR); }

Result<int> PolicyClient::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return fail(Errc::config, "not a spawned child");
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd.valid()) return Unexpected(errno_error("pidfd_open", errno));
  auto ready = policy::wait_ready(pidfd.get(), POLLIN, Clock::now() + timeout);
  if (!ready) return Unexpected(std::move(ready).error());
  if (!*ready) return fail(Errc::temporary, "timeout");
  int status = 0;
  pid_t got;
  while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {}
  if (got != pid_) return Unexpected(errno_error("waitpid", errno));
  pid_ = -1;
  return status;
}

}  // namespace cachet::testlib
