// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/config/example_options.hpp: a small option table for the config and
// daemon tests only (the daemons declare their real tables next to their glue).
#pragma once

#include "common/config/option_spec.hpp"

namespace cachet::config::testing {

inline constexpr OptionSpec kExampleOptions[] = {
    {"Socket", Kind::socket, "local:/run/example.sock", "where the MTA connects"},
    {"PidFile", Kind::path, "", "pid file"},
    {"UserID", Kind::string, "", "user[:group] to run as"},
    {"UMask", Kind::octal, "077", "umask for the socket", Range{0, 0777}},
    {"Background", Kind::boolean, "yes", "fork into the background"},
    {"Syslog", Kind::boolean, "no", "log to syslog"},
    {"DNSTimeout", Kind::seconds, "5", "per-query DNS timeout", Range{1, 30}},
    {"MaximumHeaders", Kind::integer, "65536", "max header bytes", Range{1, 1 << 20}},
    {"On-BadSignature", Kind::action, "accept", "action on a bad signature"},
    {"HELO_reject", Kind::choice, "Fail", "when to reject", Choices{"Fail|SPF_Not_Pass|Softfail|False"}},
    {"TrustedAuthservIDs", Kind::list, "", "authserv-ids to trust"},
    {"InternalHosts", Kind::dataset, "csl:127.0.0.1,::1", "clients to sign for"},
    {"Reason_Message", Kind::string, "Message {rejectdefer} due to: {spf}", "reply text"},
    {"LDAPBindPassword", Kind::secret, "", "LDAP password"},
    {"LDAPUseTLS", Kind::boolean, "no", "LDAP key store", Support::accepted_no_effect},
    {"ForensicReports", Kind::boolean, "", "renamed to FailureReports in 1.3.0", Support::obsolete},
    {"Include", Kind::path, "", "read another file"},
};

}  // namespace cachet::config::testing
