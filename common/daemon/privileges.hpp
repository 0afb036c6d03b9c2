// SPDX-License-Identifier: BSD-2-Clause
//
// common/daemon/privileges.hpp: `UserID user[:group]` (opendkim.conf(5)): resolve the names,
// hand sockets to that user, and drop root for good after sockets are open and keys read
// (STYLE.md s11). parse_user_spec is pure; the rest runs once at startup, single-threaded.
// Errors: Errc::config for unknown names or a bad spec, Errc::temporary/internal for
// failing system calls. drop_privileges never returns success while root can be regained.
// Started without root (systemd's User=, setpriv, su): a UserID naming the user and group
// the process already runs as is satisfied as it stands (nothing to switch, nothing
// logged); any other UserID is a configuration error (exit 78: restarting cannot help),
// found by check_can_become before anything is opened.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/base/result.hpp"

namespace cachet::daemon {

struct UserSpec {
  std::string user;
  std::string group;  // empty = the user's primary group
};

struct RunAs {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string group;  // as written in UserID; empty = the user's primary group
};

// "user" or "user:group". Errors: empty, empty user or group, more than one ':', NUL.
[[nodiscard]] Result<UserSpec> parse_user_spec(std::string_view text);

// getpwnam/getgrnam (numeric ids are not accepted: opendkim takes names).
[[nodiscard]] Result<RunAs> resolve_user(const UserSpec& spec);

// Gives a UNIX socket (or any path) to the user and group (lchown; no-op if not root).
[[nodiscard]] Result<void> give_to(const std::string& path, const RunAs& who);

// Whether this process can end up as `who`: always as root; otherwise only if its real and
// effective uid are who.uid and its effective gid is who.gid (supplementary groups do not
// count: files and sockets are created with the effective gid). Errors: Errc::config,
// naming the user and group asked for and those the process runs as, with the way out.
[[nodiscard]] Result<void> check_can_become(const RunAs& who);

// As root: initgroups(user, gid), setgid(gid), setuid(uid), then verifies that setuid(0)
// fails. Not root: check_can_become (succeeds, changing nothing, for the same uid and gid).
[[nodiscard]] Result<void> drop_privileges(const RunAs& who);

}  // namespace cachet::daemon
