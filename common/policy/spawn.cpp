// SPDX-License-Identifier: BSD-2-Clause
// common/policy/spawn.cpp: see spawn.hpp.
#include "common/policy/spawn.hpp"

#include <poll.h>

#include "common/policy/session.hpp"

namespace cachet::policy {

namespace {

constexpr std::size_t kReadChunk = 16384;

void log_io_error(log::Logger& logger, const Error& e) {
  log::Event(logger, log::Level::warning, "policy.io_error").kv("peer", "stdin").kv("detail", e.detail);
}

// Answers every complete request buffered in the session. nullopt: keep reading.
std::optional<SpawnEnd> drain(Session& session, PolicyHandler& handler, log::Logger& logger, int out_fd) {
  for (;;) {
    auto request = session.next_request(logger);
    if (!request) return SpawnEnd::bad_request;
    if (!request->has_value()) return std::nullopt;
    const auto reply = answer(handler, **request, session.info(), session.options().on_handler_error, logger);
    if (!reply) return SpawnEnd::handler_error;
    // The idle timeout also bounds a peer that stops reading our replies.
    auto written = write_all(out_fd, *reply, Clock::now() + session.options().idle_timeout);
    if (!written) {
      log_io_error(logger, written.error());
      return SpawnEnd::io_error;
    }
    session.touch(Clock::now());
  }
}

}  // namespace

const char* to_string(SpawnEnd end) noexcept {
  switch (end) {
    case SpawnEnd::eof: return "eof";
    case SpawnEnd::idle_timeout: return "idle_timeout";
    case SpawnEnd::bad_request: return "bad_request";
    case SpawnEnd::handler_error: return "handler_error";
    case SpawnEnd::io_error: return "io_error";
  }
  return "io_error";
}

SpawnEnd run_spawn(PolicyHandler& handler, log::Logger& logger, const SessionOptions& options, int in_fd, int out_fd) {
  Session session(1, "stdin", options, Clock::now());
  char buf[kReadChunk];
  for (;;) {
    auto ready = wait_ready(in_fd, POLLIN, session.deadline());
    if (!ready) {
      log_io_error(logger, ready.error());
      return SpawnEnd::io_error;
    }
    if (!*ready) {
      session.timed_out(logger);
      return SpawnEnd::idle_timeout;
    }
    auto n = read_some(in_fd, buf, sizeof buf);
    if (!n) {
      log_io_error(logger, n.error());
      return SpawnEnd::io_error;
    }
    if (!n->has_value()) continue;  // non-blocking stdin: spurious wakeup
    if (**n == 0) return session.closed_by_peer(logger) ? SpawnEnd::eof : SpawnEnd::bad_request;
    session.received(std::string_view(buf, **n), Clock::now());
    if (const auto end = drain(session, handler, logger, out_fd)) return *end;
  }
}

}  // namespace cachet::policy
