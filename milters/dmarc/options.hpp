// SPDX-License-Identifier: BSD-2-Clause
//
// milters/dmarc/options.hpp: cachet-dmarc's option table: every opendmarc.conf(5) name of
// the Debian 1.4.2 binary and of the 2026 upstream tree (peers.md s1.2), each implemented
// or accepted without effect (one warning line at startup and in check mode). Defaults are
// opendmarc's (report only: RejectFailures no), except Socket and the options that are
// ours (Nameservers, DMARCDiscovery). ForensicReports* were renamed by opendmarc 1.3.0 and
// are fatal there: fatal here too.
// See also: settings.hpp (how the values are used), cachet-dmarc.8.md.
#pragma once

#include "common/config/option_spec.hpp"
#include "common/log/json.hpp"
#include "common/metrics/domain_label.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::dmarcd {

using config::Kind;
using config::OptionSpec;
using config::Range;
using config::Support;
inline constexpr Support kNoEffect = Support::accepted_no_effect;
inline constexpr const char* kRenamed = "renamed FailureReports* in opendmarc 1.3.0";

inline constexpr OptionSpec kDmarcOptions[] = {
    // Runtime (common/daemon).
    {"Socket", Kind::socket, "local:/run/cachet-dmarc/dmarc.sock", "milter socket the MTA connects to"},
    {"UserID", Kind::string, "", "user[:group] to run as after startup"},
    {"UMask", Kind::octal, "", "umask for the socket and pid file", Range{0, 0777}},
    {"PidFile", Kind::path, "", "pid file"},
    {"Background", Kind::boolean, "yes", "fork into the background"},
    log::kLogFormatOption,
    metrics::kMetricsListenOption,
    metrics::kMetricsDomainsOption,
    {"Syslog", Kind::boolean, "no", "log to syslog (cachet always logs to syslog when in the background)"},
    // Trust in upstream results.
    {"AuthservID", Kind::string, "",
     "authserv-id of our Authentication-Results (default: the MTA's j macro; HOSTNAME = host name)"},
    {"AuthservIDWithJobID", Kind::boolean, "no",
     "append /queue-id to our authserv-id; accept id/queue-id in incoming fields"},
    {"TrustedAuthservIDs", Kind::list, "",
     "authserv-ids whose Authentication-Results are trusted (default: AuthservID)"},
    {"SPFIgnoreResults", Kind::boolean, "no", "ignore SPF results in Authentication-Results and Received-SPF"},
    {"SPFSelfValidate", Kind::boolean, "no", "check SPF ourselves when no trusted SPF result was found"},
    // Which mail is evaluated.
    {"IgnoreHosts", Kind::dataset, "127.0.0.1", "clients whose mail is not evaluated"},
    {"IgnoreAuthenticatedClients", Kind::boolean, "no", "do not evaluate mail from SMTP AUTH clients"},
    {"IgnoreMailFrom", Kind::dataset, "", "From domains not evaluated"},
    {"RequiredHeaders", Kind::boolean, "no", "reject mail breaking RFC 5322 header counts"},
    {"RejectMultiValueFrom", Kind::boolean, "no",
     "reject a From with addresses in several domains (else not evaluated)"},
    {"RequiredFrom", Kind::boolean, "no", "reject mail without a From domain"},
    // Actions.
    {"RejectFailures", Kind::boolean, "no", "apply p=reject (550) and tempfail evaluation errors"},
    {"RejectString", Kind::string, "rejected by DMARC policy for %s", "SMTP reject text (%s = policy domain)"},
    {"HoldQuarantinedMessages", Kind::boolean, "no", "hold p=quarantine failures in the MTA's quarantine"},
    {"CopyFailuresTo", Kind::string, "", "add this envelope recipient to mail failing a reject/quarantine policy"},
    {"SoftwareHeader", Kind::boolean, "no", "add a DMARC-Filter header field"},
    // Policy discovery and DNS.
    {"PublicSuffixList", Kind::path, "", "public suffix list file (organizational domains)"},
    {"DMARCDiscovery", Kind::choice, "psl", "psl (RFC 7489) or treewalk (DMARCbis); cachet's option",
     config::Choices{"psl|treewalk"}},
    {"Nameservers", Kind::list, "", "recursive nameservers (default: /etc/resolv.conf); cachet's option"},
    {"DNSTimeout", Kind::integer, "5", "DNS timeout in seconds", Range{1, 60}},
    // History for aggregate reports.
    {"HistoryFile", Kind::path, "", "opendmarc history file (text, for opendmarc-import)"},
    {"HistoryDatabase", Kind::string, "/var/lib/cachet/dmarc-history.sqlite",
     "history for cachetctl dmarc-report: SQLite path, PostgreSQL URI/conninfo, or none; cachet's option"},
    {"RecordAllMessages", Kind::boolean, "no", "history also for domains without DMARC"},
    // Aggregate reports sent by `cachetctl dmarc-report send` (read from this file).
    {"ReportEmail", Kind::string, "",
     "sender address of aggregate reports (opendmarc-reports --report-email); cachet's option"},
    {"ReportOrg", Kind::string, "",
     "org_name of aggregate reports (opendmarc-reports --report-org; default: the ReportEmail domain); cachet's "
     "option"},
    {"ReportContact", Kind::string, "", "extra_contact_info of aggregate reports (a URI or address); cachet's option"},
    // Failure reports (ruf), sent by the daemon (failure_reports.hpp).
    {"FailureReports", Kind::boolean, "no", "send RFC 6591 failure reports to ruf= addresses of failing domains"},
    {"FailureReportsBcc", Kind::string, "",
     "addresses that get a copy of every failure report (the only recipients without ruf=)"},
    {"FailureReportsOnNone", Kind::boolean, "no", "failure reports also for failing mail under p=none"},
    {"FailureReportsSentBy", Kind::string, "", "From: of failure reports (default: user@host name)"},
    {"FailureReportsRateLimit", Kind::integer, "10", "failure reports per policy domain per hour; cachet's option",
     Range{1, 100000}},
    {"ReportCommand", Kind::string, "/usr/sbin/sendmail -t",
     "sendmail program for failure reports (first word; the arguments are cachet's: -i -f sender -- recipient)"},
    // SMTP submission of aggregate reports (cachetctl dmarc-report send; the command line
    // overrides each). The password only ever comes from the file.
    {"ReportSMTPServer", Kind::string, "",
     "host[:port] to submit aggregate reports to (STARTTLS required; empty: sendmail); cachet's option"},
    {"ReportSMTPUser", Kind::string, "", "AUTH user for ReportSMTPServer; cachet's option"},
    {"ReportSMTPPasswordFile", Kind::string, "",
     "file whose first line is ReportSMTPUser's password (mode 0600 or 0400); cachet's option"},
    {"ReportSMTPCAFile", Kind::string, "",
     "CA certificates for ReportSMTPServer (default: the system's); cachet's option"},
    {"ReportSMTPHelo", Kind::string, "", "EHLO name for ReportSMTPServer (default: the host name); cachet's option"},
    {"IgnoreMailTo", Kind::dataset, "", "recipients whose mail is not recorded", kNoEffect},
    // Accepted without effect.
    {"AutoRestart", Kind::boolean, "no", "use the service manager", kNoEffect},
    {"AutoRestartCount", Kind::integer, "0", "use the service manager", kNoEffect},
    {"AutoRestartRate", Kind::string, "", "use the service manager", kNoEffect},
    {"BaseDirectory", Kind::string, "", "working directory", kNoEffect},
    {"ChangeRootDirectory", Kind::string, "", "chroot (use the systemd unit's confinement)", kNoEffect},
    {"DomainWhitelist", Kind::string, "", "ARC override (no ARC override: safer)", kNoEffect},
    {"DomainWhitelistFile", Kind::string, "", "ARC override (no ARC override: safer)", kNoEffect},
    {"DomainWhitelistSize", Kind::string, "", "ARC override", kNoEffect},
    {"EnableCoredumps", Kind::boolean, "no", "core dumps stay off", kNoEffect},
    {"MilterDebug", Kind::integer, "0", "libmilter debug level (cachet has no libmilter)", kNoEffect},
    {"NoReportsList", Kind::string, "", "failure reports", kNoEffect},
    {"SyslogFacility", Kind::string, "mail", "syslog facility", kNoEffect},
    {"TestDNSData", Kind::string, "", "test mode", kNoEffect},
    // Retired by opendmarc: fatal there, fatal here.
    {"ForensicReports", Kind::string, "", kRenamed, Support::obsolete},
    {"ForensicReportsBcc", Kind::string, "", kRenamed, Support::obsolete},
    {"ForensicReportsOnNone", Kind::string, "", kRenamed, Support::obsolete},
    {"ForensicReportsSentBy", Kind::string, "", kRenamed, Support::obsolete},
};

}  // namespace cachet::dmarcd
