// SPDX-License-Identifier: BSD-2-Clause
// common/policy/session.cpp: see session.hpp.
#include "common/policy/session.hpp"

#include <algorithm>

namespace cachet::policy {

Session::Session(std::uint64_t id, std::string peer, const SessionOptions& options, Clock::time_point now)
    : id_(id), peer_(std::move(peer)), options_(options), last_activity_(now) {}

void Session::received(std::string_view bytes, Clock::time_point now) {
  if (bytes.empty()) return;
  last_activity_ = now;
  if (!request_start_) request_start_ = now;
  parser_.feed(bytes);
}

Result<std::optional<Request>> Session::next_request(log::Logger& logger) {
  auto got = parser_.next();
  if (!got) {
    log_bad_request(logger, info(), got.error().detail);
    return got;
  }
  // Restart the request timer at a boundary; bytes left over after a complete request
  // belong to a request that started with the last read.
  if (parser_.at_request_boundary())
    request_start_.reset();
  else if (got->has_value())
    request_start_ = last_activity_;
  return got;
}

Clock::time_point Session::deadline() const noexcept {
  const auto idle = last_activity_ + options_.idle_timeout;
  if (!request_start_) return idle;
  return std::min(idle, *request_start_ + options_.request_timeout);
}

void Session::timed_out(log::Logger& logger) const {
  if (request_start_) log_bad_request(logger, info(), "timeout inside a request");
}

bool Session::closed_by_peer(log::Logger& logger) const {
  if (parser_.at_request_boundary() || parser_.failed()) return true;
  log_bad_request(logger, info(), "end of file inside a request");
  return false;
}

}  // namespace cachet::policy
