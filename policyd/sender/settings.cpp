// SPDX-License-Identifier: BSD-2-Clause
// policyd/sender/settings.cpp: cachet-sender's settings (settings.hpp).
#include "policyd/sender/settings.hpp"

namespace cachet::senderd {

HandlerSettings handler_settings_from(const config::Config& cfg, std::string system_hostname) {
  HandlerSettings s;
  s.policy = sender::parse_mismatch_policy(cfg.string("MismatchPolicy")).value_or(MismatchPolicy::all);
  s.on_table_error = sender::parse_table_error_action(cfg.string("OnTableError")).value_or(TableErrorAction::defer);
  s.reload_check_interval = cfg.seconds("ReloadCheckInterval");
  s.maps = settings_from(cfg, std::move(system_hostname));
  return s;
}

}  // namespace cachet::senderd
