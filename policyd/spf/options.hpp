// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/options.hpp: cachet-spf's option table: every policyd-spf.conf name of
// policyd-spf 3.0.4, in its `Name = value` dialect, plus ours (Socket, PidFile, UserID,
// UMask, Nameservers, DNSTimeout, DNSCacheSize).
// See also: settings.hpp (how the values are used), cachet-spf.8.md.
#pragma once

#include <string_view>

#include "common/config/option_spec.hpp"
#include "common/log/json.hpp"
#include "common/metrics/metrics.hpp"

namespace cachet::spfd {

using config::Choices;
using config::Kind;
using config::OptionSpec;
using config::Range;
using config::Support;

inline constexpr std::string_view kDefaultConfigPath = "/etc/postfix-policyd-spf-python/policyd-spf.conf";
// policyd-spf's text, with {url} now pointing at a page that exists (docs/migrating.md).
inline constexpr std::string_view kDefaultReasonMessage = "Message {rejectdefer} due to: {spf}. Please see {url}";

inline constexpr OptionSpec kSpfOptions[] = {
    {"debugLevel", Kind::integer, "1", "log verbosity: -1 silent, 0 errors, 1 one line per request, 2+ debug",
     Range{-1, 5}},
    log::kLogFormatOption,
    metrics::kMetricsListenOption,
    {"TestOnly", Kind::integer, "1", "1 = normal operation; 0 = test mode: rejects and defers become dunno",
     Range{0, 1}},
    {"defaultSeedOnly", Kind::integer, "", "old name of TestOnly; ignored by policyd-spf too",
     Support::accepted_no_effect},
    {"HELO_reject", Kind::string, "Fail",
     "HELO results that reject: Fail, SPF_Not_Pass, Softfail, Null, False, No_Check"},
    {"HELO_pass_restriction", Kind::string, "", "restriction class returned on HELO Pass"},
    {"Mail_From_reject", Kind::string, "Fail",
     "MAIL FROM results that reject: Fail, SPF_Not_Pass, Softfail, False, No_Check"},
    {"Mail_From_pass_restriction", Kind::string, "", "restriction class returned on MAIL FROM Pass"},
    {"No_Mail", Kind::string, "False", "True: reject only when the record is exactly v=spf1 -all"},
    {"Reject_Not_Pass_Domains", Kind::string, "", "comma-separated domains treated as SPF_Not_Pass"},
    {"PermError_reject", Kind::string, "False", "True: reject on permerror (5.7.24)"},
    {"TempError_Defer", Kind::string, "False", "True: defer_if_permit on temperror (4.7.24)"},
    {"Prospective", Kind::string, "", "check as if the client were this IP; answers dunno"},
    {"skip_addresses", Kind::string, "127.0.0.0/8,::ffff:127.0.0.0/104,::1",
     "CIDR list: no SPF check, an X-Comment/A-R none header"},
    {"Whitelist", Kind::string, "", "CIDR list of clients not checked"},
    {"HELO_Whitelist", Kind::string, "", "HELO names not checked when their A/AAAA is the client"},
    {"Domain_Whitelist", Kind::string, "", "domains whose SPF passing the client skips the check"},
    {"Domain_Whitelist_PTR", Kind::string, "", "domains the client's first PTR name ending in skips the check"},
    {"SPF_Enhanced_Status_Codes", Kind::string, "Yes", "No: bare 550 / defer_if_permit without RFC 7372 codes"},
    {"Header_Type", Kind::choice, "SPF", "SPF (Received-SPF), AR (Authentication-Results), None, Both",
     Choices{"SPF|AR|None|Both"}},
    {"Hide_Receiver", Kind::string, "No", "anything but No: receiver=<UNKNOWN>"},
    {"Authserv_Id", Kind::string, "HOSTNAME", "authserv-id of Authentication-Results; HOSTNAME = this host's name"},
    {"Lookup_Time", Kind::integer, "20", "seconds per SPF evaluation (then temperror)", Range{1, 300}},
    {"Whitelist_Lookup_Time", Kind::integer, "10", "seconds per whitelist lookup", Range{1, 300}},
    {"Void_Limit", Kind::integer, "2", "RFC 7208 void lookup limit", Range{0, 100}},
    {"Reason_Message", Kind::string, kDefaultReasonMessage, "reject/defer text with {rejectdefer}, {spf}, {url}"},
    {"Mock", Kind::boolean, "False", "True: answer every request with a mock dunno (testing only)"},
    {"QueueID", Kind::boolean, "True", "put the queue id in log lines"},
    {"Per_User", Kind::string, "", "text,/path: per-recipient overrides (policyd-spf.peruser(5))"},
    {"Socket", Kind::socket, "", "listen here (socket server); unset = spawn mode (stdin/stdout)"},
    {"PidFile", Kind::path, "", "pid file (socket server)"},
    {"UserID", Kind::string, "", "user[:group] to run as after binding the socket"},
    {"UMask", Kind::octal, "", "umask (socket permissions)", Range{0, 0777}},
    {"InternalHosts", Kind::string, "", "pyspf-milter front end only", Support::accepted_no_effect},
    {"IntHosts", Kind::string, "", "pyspf-milter front end only", Support::accepted_no_effect},
    {"MacroList", Kind::string, "", "pyspf-milter front end only", Support::accepted_no_effect},
    {"Nameservers", Kind::list, "", "recursive nameservers (ip[:port]); unset = /etc/resolv.conf"},
    {"DNSTimeout", Kind::seconds, "5", "per-query DNS timeout", Range{1, 30}},
    {"DNSCacheSize", Kind::integer, "10000", "socket server: DNS answers kept in the shared cache", Range{0, 1000000}},
};

}  // namespace cachet::spfd
