// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/sender/settings.hpp: cachet-sender's settings: the decision's options
// (HandlerSettings) and the login maps it reads (common/sender/login_maps.hpp, shared with
// cachet-dkim's header From check), loaded from one config snapshot.
// See also: session.hpp (reload), tests/unit/policyd/sender/session_test.cpp
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"
#include "common/sender/login_check.hpp"
#include "common/sender/login_maps.hpp"

namespace cachet::senderd {

// The pure decision (common/sender/login_check.hpp) and the aliases reader.
using sender::Aliases;
using sender::Decision;
using sender::LoginFacts;
using sender::MismatchPolicy;
using sender::Owners;
using sender::TableErrorAction;
using sender::Verdict;

// The login maps (common/sender/login_maps.hpp).
using sender::MapsSettings;
using sender::SenderMaps;
using sender::settings_from;
using sender::system_hostname;

struct HandlerSettings {
  MismatchPolicy policy = MismatchPolicy::all;
  TableErrorAction on_table_error = TableErrorAction::defer_if_permit;
  std::chrono::seconds reload_check_interval{1};  // 0 = never check
  MapsSettings maps;
};

HandlerSettings handler_settings_from(const config::Config& cfg, std::string system_hostname);

}  // namespace cachet::senderd
