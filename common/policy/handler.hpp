// SPDX-License-Identifier: BSD-2-Clause
//
// common/policy/handler.hpp: what a policy daemon implements (PolicyHandler), the
// connection facts it is given, and answer(): the one place where a handler's result
// becomes reply bytes or a decision to disconnect, shared by the socket server and spawn
// mode so both behave identically.
// Failure rule (STYLE.md s6): a handler error, an exception escaping the handler, or an
// action that format_reply() refuses is logged (`policy.handler_error`) and, by default,
// answered by closing the connection without a reply, so Postfix applies
// smtpd_policy_service_default_action. OnHandlerError::defer_if_permit answers
// kTemporaryFailureAction instead and keeps the connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/log/logger.hpp"
#include "common/policy/request.hpp"

namespace cachet::policy {

// Who asked. `id` is unique per server (or spawn run) and process lifetime; `peer` is
// "unix" (plus ":pid=N" when the kernel reports the peer's credentials), "ip:port" for
// TCP, or "stdin" in spawn mode. Valid for the duration of the handle() call.
struct ConnectionInfo {
  std::uint64_t id = 0;
  std::string_view peer;
};

class PolicyHandler {
 public:
  virtual ~PolicyHandler() = default;
  // Returns the action text without "action=" (e.g. "DUNNO", "PREPEND X-Foo: bar").
  // An error means "log and close without replying". Called concurrently from the
  // server's worker threads for different connections (never twice at once for the same
  // connection), so implementations must be thread-safe. May block (DNS), but should
  // stay well below Postfix's smtpd_policy_service_timeout (100 s).
  virtual Result<std::string> handle(const Request& request, const ConnectionInfo& conn) = 0;
};

// Adapts a callable (a lambda in tests, or a daemon's free function) to PolicyHandler.
// The callable must be thread-safe like any handler.
class FunctionHandler final : public PolicyHandler {
 public:
  using Fn = std::function<Result<std::string>(const Request&, const ConnectionInfo&)>;
  explicit FunctionHandler(Fn fn) : fn_(std::move(fn)) {}
  Result<std::string> handle(const Request& request, const ConnectionInfo& conn) override { return fn_(request, conn); }

 private:
  Fn fn_;
};

enum class OnHandlerError { close, defer_if_permit };

// Per-connection behaviour, shared by spawn mode and the socket server.
struct SessionOptions {
  // Close a connection that sends nothing for this long. Longer than Postfix's
  // smtpd_policy_service_max_idle (300 s), so normally Postfix closes idle connections.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(330);
  // A request must be complete this long after its first byte arrived (Postfix writes a
  // request at once; a trickling peer is stalled or hostile).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
  OnHandlerError on_handler_error = OnHandlerError::close;
};

// Calls the handler and returns the bytes to write (`action=...\n\n`), or nullopt when the
// connection must be closed without a reply. Never throws; logs handler failures as
// `policy.handler_error conn=<id> peer=<peer> errc=<class> detail=<text>`.
std::optional<std::string> answer(PolicyHandler& handler, const Request& request, const ConnectionInfo& conn,
                                  OnHandlerError on_error, log::Logger& logger) noexcept;

// Logs `policy.bad_request conn=<id> peer=<peer> reason=<reason>` at warning level.
void log_bad_request(log::Logger& logger, const ConnectionInfo& conn, std::string_view reason) noexcept;

}  // namespace cachet::policy
