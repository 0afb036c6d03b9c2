// SPDX-License-Identifier: BSD-2-Clause
// common/policy/handler.cpp: see handler.hpp.
#include "common/policy/handler.hpp"

#include <exception>

#include "common/policy/reply.hpp"

namespace cachet::policy {

namespace {

Result<std::string> call_handler(PolicyHandler& handler, const Request& request, const ConnectionInfo& conn) noexcept {
  try {
    auto action = handler.handle(request, conn);
    if (!action) return action;
    return format_reply(*action);
  } catch (const std::exception& e) {  // a bug or bad_alloc: fail this request only
    return fail(Errc::internal, std::string("exception: ") + e.what());
  } catch (...) {
    return fail(Errc::internal, "unknown exception");
  }
}

}  // namespace

std::optional<std::string> answer(PolicyHandler& handler, const Request& request, const ConnectionInfo& conn,
                                  OnHandlerError on_error, log::Logger& logger) noexcept {
  auto reply = call_handler(handler, request, conn);
  if (reply) return std::move(*reply);
  try {
    const Error& e = reply.error();
    log::Event(logger, e.code == Errc::internal ? log::Level::error : log::Level::warning, "policy.handler_error")
        .kv("conn", static_cast<long long>(conn.id))
        .kv("peer", conn.peer)
        .kv("errc", to_string(e.code))
        .kv("detail", e.detail);
    if (on_error == OnHandlerError::defer_if_permit) return format_reply(kTemporaryFailureAction).value();
  } catch (...) {  // out of memory while logging or formatting: close instead
  }
  return std::nullopt;
}

void log_bad_request(log::Logger& logger, const ConnectionInfo& conn, std::string_view reason) noexcept {
  try {
    log::Event(logger, log::Level::warning, "policy.bad_request")
        .kv("conn", static_cast<long long>(conn.id))
        .kv("peer", conn.peer)
        .kv("reason", reason);
  } catch (...) {  // logging must never take the server down
  }
}

}  // namespace cachet::policy
