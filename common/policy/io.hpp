// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/io.hpp: small descriptor helpers shared by spawn mode, the socket server
// and the test client: waiting with a deadline, reading and writing whole replies without
// SIGPIPE. Any thread; they touch only the descriptors they are given.
// Errors: Errc::temporary for I/O failures (errno text in the detail).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::policy {

using Clock = std::chrono::steady_clock;

// Milliseconds from now until `deadline` for poll(2): 0 if past, rounded up, capped so
// it fits an int.
int poll_timeout_ms(Clock::time_point deadline) noexcept;

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline passes.
// Returns false on timeout. Errors: poll failures other than EINTR.
[[nodiscard]] Result<bool> wait_ready(int fd, short events, Clock::time_point deadline);

// Reads what is available (at most `size`), retrying EINTR. Returns 0 at end of file and
// nullopt when a non-blocking fd has nothing to read. Errors: read failures.
[[nodiscard]] Result<std::optional<std::size_t>> read_some(int fd, char* data, std::size_t size);

// Writes all of `bytes` before `deadline`: send(MSG_NOSIGNAL) on sockets so a vanished
// peer yields EPIPE instead of killing the process, write(2) on pipes and files (spawn
// mode: a daemon must ignore SIGPIPE, which common/daemon does). Works on blocking and
// non-blocking descriptors. Errors: I/O failure, or "timeout" when the deadline passes.
[[nodiscard]] Result<void> write_all(int fd, std::string_view bytes, Clock::time_point deadline);

// Sets O_NONBLOCK (and FD_CLOEXEC). Errors: fcntl failure.
[[nodiscard]] Result<void> set_nonblocking(int fd);

// An Error built from errno, e.g. "read: Connection reset by peer".
Error errno_error(const char* what, int err);

}  // namespace cachet::policy
