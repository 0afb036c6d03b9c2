// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/sender/daemon.hpp: cachet-sender's two entry points: the policy daemon
// (run_policy_daemon with the sender handler) and query mode for the admin:
//   cachet-sender [-c config] -q address [login]
// prints the decision, the rule that matched and the action Postfix would get, and exits
// 0 (allowed), 1 (refused), 75 (lookup failed: EX_TEMPFAIL), 78 (configuration error) or
// 64 (usage). An empty or missing login means "not authenticated".
// See also: session.hpp, settings.hpp, options.hpp, cachet-sender.8.md
#pragma once

#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/base/result.hpp"
#include "common/policy/policy_daemon.hpp"

namespace cachet::senderd {

policy::PolicyDaemonSpec daemon_spec();

struct QueryArgs {
  std::string config_path;
  std::string address;
  std::string login;
};

inline constexpr int kQueryAllowed = 0;
inline constexpr int kQueryRefused = 1;
inline constexpr int kQueryTempfail = 75;  // EX_TEMPFAIL

// nullopt when the arguments hold no -q (daemon mode). Pure. Errors (Errc::config, usage):
// a missing address, extra arguments, an option other than -c/-q.
[[nodiscard]] std::optional<Result<QueryArgs>> parse_query_args(std::span<const std::string_view> args);

// Loads the config and maps as the daemon would and prints the decision to out
// (problems to err). Returns the exit status above.
int run_query(const QueryArgs& args, std::ostream& out, std::ostream& err);

// main()'s body: query mode or the daemon.
int sender_main(int argc, char** argv);

}  // namespace cachet::senderd
