// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/sender/options.hpp: cachet-sender's configuration options (sender.conf, `Name
// value` dialect). Our own daemon: no peer options to accept. Every option here appears in
// cachet-sender.8.md with the same default (tests/unit/policyd/sender/options_test.cpp).
#pragma once

#include "common/config/option_spec.hpp"
#include "common/log/json.hpp"
#include "common/metrics/metrics.hpp"
#include "common/sender/login_check.hpp"
#include "common/sender/login_maps.hpp"

namespace cachet::senderd {

using config::Choices;
using config::Kind;
using config::OptionSpec;

inline constexpr std::string_view kDefaultConfig = "/etc/cachet/sender.conf";

inline constexpr OptionSpec kSenderOptions[] = {
    {"Socket", Kind::string, "local:/run/cachet-sender/sender.sock",
     "where Postfix connects (local:/path, inet:port@host, inet6:port@host), or `stdio` for "
     "spawn(8) mode"},
    {"UserID", Kind::string, "", "user[:group] to run as after binding the socket"},
    {"UMask", Kind::octal, "007", "umask for the socket and pid file", config::Range{0, 0777}},
    {"PidFile", Kind::path, "", "pid file to write (socket mode only)"},
    {"Background", Kind::boolean, "yes", "fork into the background (socket mode only)"},
    log::kLogFormatOption,
    metrics::kMetricsListenOption,
    sender::kSenderLoginMapsOption,
    sender::kPostfixMainCfOption,
    {"MismatchPolicy", Kind::choice, "reject_sender_login_mismatch",
     "which clients are checked, as the Postfix restriction of the same name", Choices{sender::kMismatchPolicyChoices}},
    sender::kStrictMapsOption,
    sender::kLocalDomainsOption,
    sender::kRecipientDelimiterOption,
    sender::kAliasMapsOption,
    sender::kAllowAliasOwnersOption,
    {"OnTableError", Kind::choice, "defer_if_permit",
     "answer when a lookup fails (PCRE2 limit, bad map): defer_if_permit or defer (451)",
     Choices{sender::kTableErrorChoices}},
    {"ReloadCheckInterval", Kind::seconds, "1",
     "how often (at most) requests check whether map files changed on disk; 0: never", config::Range{0, 3600}},
};

}  // namespace cachet::senderd
