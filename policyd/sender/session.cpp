// SPDX-License-Identifier: BSD-2-Clause
// policyd/sender/session.cpp: cachet-sender's request handling (session.hpp).
#include "policyd/sender/session.hpp"

namespace cachet::senderd {
namespace {

void log_warnings(log::Logger& logger, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) log::Event(logger, log::Level::warning, "sender.map_warning").kv("problem", w);
}

std::int64_t to_ns(SenderHandler::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// Stages before MAIL FROM carry no sender to check.
bool has_sender_stage(policy::ProtocolState s) noexcept {
  using policy::ProtocolState;
  return s != ProtocolState::connect && s != ProtocolState::ehlo && s != ProtocolState::helo;
}

}  // namespace

Result<std::shared_ptr<SenderHandler>> SenderHandler::create(HandlerSettings settings, tables::FileReader reader,
                                                             log::Logger& logger, Now now) {
  std::vector<std::string> warnings;
  auto maps = SenderMaps::load(settings.maps, reader, warnings);
  if (!maps) return Unexpected<Error>(std::move(maps).error());
  log_warnings(logger, warnings);
  return std::make_shared<SenderHandler>(std::move(settings), std::move(reader), logger, std::move(now),
                                         std::move(*maps));
}

SenderHandler::SenderHandler(HandlerSettings settings, tables::FileReader reader, log::Logger& logger, Now now,
                             std::shared_ptr<const SenderMaps> maps)
    : settings_(std::move(settings)),
      reader_(std::move(reader)),
      logger_(logger),
      now_(std::move(now)),
      maps_(std::move(maps)) {
  next_check_ns_.store(to_ns(now_() + settings_.reload_check_interval));
}

std::shared_ptr<const SenderMaps> SenderHandler::maps() const { return maps_.load(); }

// One request at a time does the check (checking_), the others go on with the current
// maps; the stat calls and a reload therefore never block more than that one request.
void SenderHandler::maybe_reload() {
  if (settings_.reload_check_interval.count() == 0) return;
  const auto now = now_();
  if (to_ns(now) < next_check_ns_.load(std::memory_order_relaxed)) return;
  if (checking_.exchange(true)) return;
  next_check_ns_.store(to_ns(now + settings_.reload_check_interval));
  const auto current = maps();
  if (current->changed_on_disk()) {
    std::vector<std::string> warnings;
    auto fresh = SenderMaps::load(settings_.maps, reader_, warnings);
    if (fresh) {
      log_warnings(logger_, warnings);
      maps_.store(std::move(*fresh));
      log::Event(logger_, log::Level::info, "sender.maps_reloaded").kv("maps", current->login_maps());
    } else {
      // Keep the last good maps. The files stay "changed" relative to them, so the next
      // check retries the load: log once per distinct failure only.
      const std::string reason = fresh.error().detail;
      if (reason != last_reload_error_) {
        log::Event(logger_, log::Level::error, "sender.reload_failed").kv("reason", reason);
        last_reload_error_ = reason;
      }
    }
  }
  checking_.store(false);
}

Decision SenderHandler::decide_for(std::string_view sender, std::string_view login) {
  const auto maps = this->maps();
  return decide(settings_.policy, settings_.on_table_error, LoginFacts{sender, login},
                [&maps](std::string_view s) { return maps->lookup(s); });
}

Result<std::string> SenderHandler::handle(const policy::Request& request, const policy::ConnectionInfo&) {
  maybe_reload();
  if (!has_sender_stage(request.state())) return std::string("DUNNO");
  const std::string_view sender = request.sender();
  const std::string_view login = request.sasl_username();
  const Decision d = decide_for(sender, login);
  log::Event(logger_, d.verdict == Verdict::lookup_failed ? log::Level::warning : log::Level::info, "sender.decision")
      .kv("qid", request.queue_id())
      .kv("sender", sender)
      .kv("login", login)
      .kv("decision", to_string(d.verdict))
      .kv("rule", d.rule.empty() ? std::string_view("none") : std::string_view(d.rule))
      .kv("owners", d.owners)
      .kv("why", d.why);
  if (decisions_ != nullptr) decisions_->inc(to_string(d.verdict));
  return d.action;
}

}  // namespace cachet::senderd
