// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/policy_client.hpp: the project's Postfix policy client, for integration tests
// and load generators. Speaks SMTPD_POLICY_README the way smtpd does: one request
// (`name=value` lines and a blank line), then one `action=...` reply, on a persistent
// connection: a unix or TCP socket, or a child process started like spawn(8) starts it.
// Spawned children get one socketpair end as both stdin and stdout, as spawn(8) gives
// them the smtpd connection (so a vanished child yields EPIPE, never SIGPIPE); stderr is
// inherited. The destructor kills a child that is still running (SIGKILL, by pid) and
// reaps it.
// Allocation-light: buffers are reused across requests; a reply's action is a view valid
// until the next call on the same client. One client per connection; not thread-safe.
// Errors: Errc::temporary for socket/process trouble, Errc::bad_input for a malformed reply.
// A clean close by the server and a timeout are not errors but ReplyStatus values, so tests
// can assert "no reply, connection closed".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"
#include "common/policy/request.hpp"

namespace cachet::testlib {

enum class ReplyStatus {
  action,   // a complete `action=...` reply arrived
  closed,   // the server closed (or reset) the connection before any byte of a reply
  timeout,  // nothing complete within the timeout
};

struct PolicyReply {
  ReplyStatus status = ReplyStatus::timeout;
  std::string_view action;  // without "action=" and the newlines; valid until the next call
};

class PolicyClient {
 public:
  // Connects to a unix-domain socket. Errors: socket/connect failures.
  [[nodiscard]] static Result<PolicyClient> connect_unix(const std::string& path);
  // Connects to a numeric IPv4 or IPv6 address (tests use loopback only).
  [[nodiscard]] static Result<PolicyClient> connect_inet(const std::string& address, std::uint16_t port);
  // Starts argv[0] (a path; no PATH search) with argv. Errors: socketpair/fork failures;
  // an exec failure shows up as the child exiting with status 127.
  [[nodiscard]] static Result<PolicyClient> spawn(const std::vector<std::string>& argv);

  PolicyClient(PolicyClient&& other) noexcept;
  PolicyClient& operator=(PolicyClient&& other) noexcept;
  PolicyClient(const PolicyClient&) = delete;
  PolicyClient& operator=(const PolicyClient&) = delete;
  ~PolicyClient();

  // Sends one request. Errors: attributes that cannot be framed (Errc::bad_input), or a
  // write failure / timeout (Errc::temporary, "write: Broken pipe" when the peer is gone).
  [[nodiscard]] Result<void> send(std::span<const policy::Attribute> attributes,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  [[nodiscard]] Result<void> send(const policy::Request& request,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends bytes as they are (malformed input for tests).
  [[nodiscard]] Result<void> send_raw(std::string_view bytes,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Waits for one reply. Errors: a reply that is not exactly `action=...` + blank line,
  // EOF inside a reply, read failures.
  [[nodiscard]] Result<PolicyReply> read_reply(std::chrono::milliseconds timeout);
  // send() then read_reply().
  [[nodiscard]] Result<PolicyReply> ask(std::span<const policy::Attribute> attributes,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // Closes our sending direction (the server or child sees end of file).
  void shutdown_write() noexcept;
  // Child only: its pid (-1 for sockets).
  pid_t pid() const noexcept { return pid_; }
  // Child only: waits for it to exit and returns its wait status (WIFEXITED...). Errors:
  // not a child, or still running at the timeout (Errc::temporary "timeout").
  [[nodiscard]] Result<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  PolicyClient(Fd fd, pid_t pid) noexcept : fd_(std::move(fd)), pid_(pid) {}
  void kill_child() noexcept;
  // A complete reply in rbuf_: sets out; returns false if more bytes are needed.
  Result<bool> take_reply(PolicyReply& out);

  Fd fd_;
  pid_t pid_ = -1;
  std::string wbuf_;
  std::string rbuf_;
  std::string action_;
};

}  // namespace cachet::testlib
