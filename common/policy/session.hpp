// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/session.hpp: the per-connection state shared by spawn mode and the socket
// server: the request parser, the idle and request deadlines, and the one
// `policy.bad_request` line logged when a connection is dropped for bad input.
// No I/O: the owner reads, writes and closes. One Session per connection, touched by one
// thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/log/logger.hpp"
#include "common/policy/handler.hpp"
#include "common/policy/io.hpp"
#include "common/policy/parser.hpp"

namespace cachet::policy {

class Session {
 public:
  Session(std::uint64_t id, std::string peer, const SessionOptions& options, Clock::time_point now);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  ConnectionInfo info() const noexcept { return ConnectionInfo{id_, peer_}; }
  const SessionOptions& options() const noexcept { return options_; }

  // Bytes arrived at `now`.
  void received(std::string_view bytes, Clock::time_point now);
  // Activity that is not input (a reply was written): restarts the idle timer.
  void touch(Clock::time_point now) noexcept { last_activity_ = now; }

  // The next complete request, nullopt when more bytes are needed, or an error after
  // which the connection must be closed (already logged as policy.bad_request).
  [[nodiscard]] Result<std::optional<Request>> next_request(log::Logger& logger);

  // When the connection times out if nothing more arrives.
  Clock::time_point deadline() const noexcept;
  // The deadline passed: logs policy.bad_request if a request was half received (a
  // stalled client); an idle connection between requests is closed silently.
  void timed_out(log::Logger& logger) const;
  // End of file: logs policy.bad_request if it cut a request short. Returns true for a
  // clean close (at a request boundary).
  bool closed_by_peer(log::Logger& logger) const;

 private:
  std::uint64_t id_;
  std::string peer_;
  SessionOptions options_;
  RequestParser parser_;
  Clock::time_point last_activity_;
  std::optional<Clock::time_point> request_start_;
};

}  // namespace cachet::policy
