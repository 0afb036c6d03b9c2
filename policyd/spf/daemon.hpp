// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/daemon.hpp: cachet-spf's PolicyDaemonSpec: the option table, check mode traps,
// the DNS resolver (LdnsResolver behind a CachingResolver shared by every connection) and
// the SpfService, served in spawn mode (no Socket: one smtpd connection on stdin/stdout,
// as master.cf's `spawn ... argv=/usr/bin/cachet-spf`) or as a socket server (Socket).
// Settings are rebuilt once per config snapshot (SIGHUP reload) and shared.
// See also: cachet-spf.8.md, session.hpp, settings.hpp, options.hpp.
#pragma once

#include "common/policy/policy_daemon.hpp"

namespace cachet::spfd {

// The spec main() hands to policy::run_policy_daemon.
policy::PolicyDaemonSpec daemon_spec();

}  // namespace cachet::spfd
