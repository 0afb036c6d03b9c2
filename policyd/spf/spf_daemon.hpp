// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/spf_daemon.hpp: cachet-spf's DaemonSpec: the option table, check mode traps,
// the DNS resolver (LdnsResolver behind a CachingResolver shared by every connection) and
// the SpfService, served in spawn mode (no Socket: one smtpd connection on stdin/stdout,
// as master.cf's `spawn ... argv=/usr/bin/cachet-spf`) or as a socket server (Socket).
// Settings are rebuilt once per config snapshot (SIGHUP reload) and shared.
// See also: cachet-spf.8.md, service.hpp, settings.hpp.
#pragma once

namespace cachet::spfd {

// The whole program: run_daemon with cachet-spf's spec. Returns the exit status.
int run_spf(int argc, char** argv);

}  // namespace cachet::spfd
