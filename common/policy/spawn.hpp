// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/spawn.hpp: spawn mode, for `master.cf` entries such as
// `policy-spf unix - n n - 0 spawn user=nobody argv=/usr/bin/cachet-spf`: Postfix's
// spawn(8) connects the child's stdin/stdout to one smtpd connection and closes it when
// done. run_spawn() answers requests one by one on the calling thread until end of file,
// the idle timeout, a malformed request or a handler failure, with the same limits,
// logging and failure rule as the socket server (answer(), log_bad_request()).
// No threads, no static initialisation: a spawned child answers its first request
// within microseconds of entering run_spawn().
// SIGPIPE: writes go through send(MSG_NOSIGNAL) when out_fd is a socket (as spawn(8)
// provides); on a pipe the daemon must ignore SIGPIPE (common/daemon does).
#pragma once

#include "common/log/logger.hpp"
#include "common/policy/handler.hpp"

namespace cachet::policy {

// Why run_spawn() returned; the daemon maps it to an exit status (eof and idle_timeout
// are normal ends, exit 0).
enum class SpawnEnd { eof, idle_timeout, bad_request, handler_error, io_error };
const char* to_string(SpawnEnd end) noexcept;

// Serves requests read from in_fd, writing replies to out_fd. Logs `policy.bad_request`
// (malformed input, EOF or timeout inside a request), `policy.handler_error`, and
// `policy.io_error`. Does not close the descriptors.
SpawnEnd run_spawn(PolicyHandler& handler, log::Logger& logger, const SessionOptions& options = {}, int in_fd = 0,
                   int out_fd = 1);

}  // namespace cachet::policy
