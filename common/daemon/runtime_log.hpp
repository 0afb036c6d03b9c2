// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/runtime_log.hpp: log lines the runtime shares between startup and reload.
// Internal to common/daemon.
#pragma once

#include <vector>

#include "common/config/config.hpp"
#include "common/log/logger.hpp"

namespace cachet::daemon {

// One line per problem: `config.error problem="dkim.conf:3: Sokcet: unknown option"`
// (level error) or `config.warning problem="..."` (level warning).
// LogFormat (when the daemon's table declares it): text or json from now on.
void apply_log_format(log::Logger& logger, const config::Config& cfg);

void log_problems(log::Logger& logger, const std::vector<config::Problem>& problems);

}  // namespace cachet::daemon
