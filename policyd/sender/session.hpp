// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/sender/session.hpp: cachet-sender's PolicyHandler. One per config snapshot
// (policy_daemon rebuilds it on SIGHUP). Per request: take the sender and sasl_username,
// decide (common/sender/login_check.hpp) against the current SenderMaps, log one line
//   sender.decision qid=Q sender=S login=L decision=allowed|not_owned|not_logged_in|
//                   lookup_failed rule=/etc/postfix/sendas.pcre:3 owners="alice" why="owner"
// and answer the decision's action.
// Changes on disk: at most once per ReloadCheckInterval, the request that notices the
// interval has passed stats the files (no thread sleeps for it); if one changed, that
// request reloads the maps. A reload that fails keeps the last good maps and logs
// `sender.reload_failed reason="file:line: ..."` (again only after the next change).
// Requests before the protocol reaches MAIL FROM (CONNECT, EHLO, HELO) have no sender to
// check and answer DUNNO without a lookup; a request without a sender attribute is treated
// as the null sender (Postfix sends `sender=` for it).
// Thread-safe: the maps are swapped as a whole (Swappable); lookups run on a snapshot.
// See also: settings.hpp, tests/unit/policyd/sender/session_test.cpp
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/base/swappable.hpp"
#include "common/log/logger.hpp"
#include "common/metrics/metrics.hpp"
#include "common/policy/handler.hpp"
#include "common/sender/login_check.hpp"
#include "policyd/sender/settings.hpp"

namespace cachet::senderd {

class SenderHandler final : public policy::PolicyHandler {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  // Loads the maps. Errors: those of SenderMaps::load. Warnings are logged.
  [[nodiscard]] static Result<std::shared_ptr<SenderHandler>> create(
      HandlerSettings settings, tables::FileReader reader, log::Logger& logger, Now now = [] { return Clock::now(); });

  Result<std::string> handle(const policy::Request& request, const policy::ConnectionInfo& conn) override;

  // cachet_sender_decisions_total{decision}: counted per request when set (socket mode).
  void set_decision_counter(const metrics::FixedLabelCounter* c) noexcept { decisions_ = c; }

  // The decision without logging (query mode and tests).
  Decision decide_for(std::string_view sender, std::string_view login);
  std::shared_ptr<const SenderMaps> maps() const;

  SenderHandler(HandlerSettings settings, tables::FileReader reader, log::Logger& logger, Now now,
                std::shared_ptr<const SenderMaps> maps);

 private:
  void maybe_reload();

  HandlerSettings settings_;
  tables::FileReader reader_;
  log::Logger& logger_;
  Now now_;
  Swappable<const SenderMaps> maps_;
  std::atomic<std::int64_t> next_check_ns_{0};
  std::atomic<bool> checking_{false};
  std::string last_reload_error_;  // touched only by the request holding checking_
  const metrics::FixedLabelCounter* decisions_ = nullptr;
};

}  // namespace cachet::senderd
