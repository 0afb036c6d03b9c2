// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/check_mode.hpp: what `-n` / `--check-config` (and the units' ExecStartPre
// and ExecReload) check besides the parse, so that a configuration the check passes starts,
// and one startup refuses fails the check, each problem reported once, in one pass:
//   1. the cross-option checks (spec.validate), also when some lines did not parse (on the
//      partial snapshot: every problem in one run, not one round per fix);
//   2. UserID: the user exists and this process can become it (check_can_become);
//   3. the Socket's directory (UNIX sockets, not spawn mode): exists, is a directory, and
//      this process (which binds it at startup) can create the socket there;
//   4. spec.check: the daemon loads what its open() loads (keys, tables, maps, lists, PSL),
//      with the same code, as the current user (startup reads them before dropping root);
//   5. run as root with a UserID: spec.check again with the effective ids of that user, so
//      a file only root can read is reported: startup works, but a reload (SIGHUP, as the
//      user) would fail. These are warnings naming the user.
// Problems carry file:line (the option's origin) and, where there is one, the fix.
// The id switch of step 5 changes the effective uid/gid/groups of the whole process and
// restores them; check mode is single-threaded. Errors from a failed switch are reported
// as problems, never thrown.
// See also: daemon.hpp (run_daemon), tests/unit/common/daemon/check_mode_test.cpp,
// tests/integration/check_mode_test.cpp
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "common/daemon/daemon.hpp"
#include "common/daemon/privileges.hpp"

namespace cachet::daemon {

// Steps 1 to 5 on `outcome` (as load_all left it): appends every problem; any error
// clears outcome.config.
void run_check_mode(const DaemonSpec& spec, config::ConfigOutcome& outcome);

// UserID resolved and checked against who we are (privileges.hpp), as startup does: every
// failure is Errc::config.
[[nodiscard]] Result<RunAs> usable_user(const std::string& text);

// Where a problem points (its file and line).
config::SourceLocation source_of(const config::Problem& p);

// Step 3 for one socket value (the text of the Socket option): empty when fine or not a
// UNIX socket. `where` locates the Socket option. I/O: stat, access.
std::vector<config::Problem> check_socket_directory(const std::string& socket_text,
                                                    const config::SourceLocation& where);

}  // namespace cachet::daemon
