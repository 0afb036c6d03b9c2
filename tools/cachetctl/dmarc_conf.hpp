// SPDX-License-Identifier: BSD-2-Clause
//
// tools/cachetctl/dmarc_conf.hpp: cachet-dmarc's configuration file as the cachetctl
// subcommands that work on its database read it (dmarc-report send; dmarc-summary and
// dmarc-dashboard with --config): the daemon's own option table, so a file the daemon
// accepts is accepted here and a typo is an error. Reads the file; no logging; any thread.
// Errors: Errc::config, every error line of the file joined with "; ".
// See also: cmd_dmarc_report_send.cpp, cmd_dmarc_summary.cpp, milters/dmarc/options.hpp
#pragma once

#include <memory>
#include <string>

#include "common/base/result.hpp"
#include "common/config/config.hpp"

namespace cachet::ctl {

inline constexpr const char* kDmarcConfPath = "/etc/cachet/dmarc.conf";

[[nodiscard]] Result<std::shared_ptr<const config::Config>> load_dmarc_conf(const std::string& path);

}  // namespace cachet::ctl
