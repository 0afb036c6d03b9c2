// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/settings.hpp: cachet-spf's option table (every policyd-spf.conf name of
// policyd-spf 3.0.4, in its `Name = value` dialect, plus ours) and the typed Settings a
// request uses, built once per config snapshot.
// Value semantics follow policyd-spf where they are its documented behaviour, including
// its string comparisons: PermError_reject/TempError_Defer/No_Mail enable only with
// `True`, SPF_Enhanced_Status_Codes disables only with `No`, Hide_Receiver hides for
// anything but `No`, TestOnly = 1 is normal operation. check_settings() turns each trap
// into a plain-words warning for the check mode. Mock is the exception: policyd-spf reads
// it with Python bool(), so `Mock = False` switches mock mode ON there; we read it as the
// documented boolean and warn.
// Pure (no I/O, except gethostname() for Authserv_Id = HOSTNAME); any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/config/config.hpp"

namespace cachet::spfd {

using config::Choices;
using config::Kind;
using config::OptionSpec;
using config::Range;
using config::Support;

inline constexpr std::string_view kDefaultConfigPath =
    "/etc/postfix-policyd-spf-python/policyd-spf.conf";
// policyd-spf's text, with {url} now pointing at a page that exists (docs/migrating.md).
inline constexpr std::string_view kDefaultReasonMessage =
    "Message {rejectdefer} due to: {spf}. Please see {url}";

inline constexpr OptionSpec kSpfOptions[] = {
    {"debugLevel", Kind::integer, "1", "log verbosity: -1 silent, 0 errors, 1 one line per request, 2+ debug", Range{-1, 5}},
    {"TestOnly", Kind::integer, "1", "1 = normal operation; 0 = test mode: rejects and defers become dunno", Range{0, 1}},
    {"defaultSeedOnly", Kind::integer, "", "old name of TestOnly; ignored by policyd-spf too", Support::accepted_no_effect},
    {"HELO_reject", Kind::string, "Fail", "HELO results that reject: Fail, SPF_Not_Pass, Softfail, Null, False, No_Check"},
    {"HELO_pass_restriction", Kind::string, "", "restriction class returned on HELO Pass"},
    {"Mail_From_reject", Kind::string, "Fail", "MAIL FROM results that reject: Fail, SPF_Not_Pass, Softfail, False, No_Check"},
    {"Mail_From_pass_restriction", Kind::string, "", "restriction class returned on MAIL FROM Pass"},
    {"No_Mail", Kind::string, "False", "True: reject only when the record is exactly v=spf1 -all"},
    {"Reject_Not_Pass_Domains", Kind::string, "", "comma-separated domains treated as SPF_Not_Pass"},
    {"PermError_reject", Kind::string, "False", "True: reject on permerror (5.7.24)"},
    {"TempError_Defer", Kind::string, "False", "True: defer_if_permit on temperror (4.7.24)"},
    {"Prospective", Kind::string, "", "check as if the client were this IP; answers dunno"},
    {"skip_addresses", Kind::string, "127.0.0.0/8,::ffff:127.0.0.0/104,::1", "CIDR list: no SPF check, an X-Comment/A-R none header"},
    {"Whitelist", Kind::string, "", "CIDR list of clients not checked"},
    {"HELO_Whitelist", Kind::string, "", "HELO names not checked when their A/AAAA is the client"},
    {"Domain_Whitelist", Kind::string, "", "domains whose SPF passing the client skips the check"},
    {"Domain_Whitelist_PTR", Kind::string, "", "domains the client's first PTR name ending in skips the check"},
    {"SPF_Enhanced_Status_Codes", Kind::string, "Yes", "No: bare 550 / defer_if_permit without RFC 7372 codes"},
    {"Header_Type", Kind::choice, "SPF", "SPF (Received-SPF), AR (Authentication-Results), None, Both", Choices{"SPF|AR|None|Both"}},
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

// What a result of one identity leads to (policyd-spf's _get_resultcodes).
enum class RejectPolicy { fail, spf_not_pass, softfail, null, no_header_only, no_check, other };
enum class HeaderType { spf, ar, none, both };

struct Network {
  bool is_v6 = false;
  std::uint8_t addr[16] = {};
  int prefix = 0;
};

class PerUserTable;

struct Settings {
  int debug_level = 1;
  bool test_mode = false;  // TestOnly = 0
  RejectPolicy helo_reject = RejectPolicy::fail;
  RejectPolicy mail_from_reject = RejectPolicy::fail;
  std::string helo_pass_restriction;
  std::string mail_from_pass_restriction;
  bool no_mail = false;
  std::vector<std::string> reject_not_pass_domains;
  bool permerror_reject = false;
  bool temperror_defer = false;
  std::string prospective;  // empty: use client_address
  std::vector<Network> skip_addresses;
  std::vector<Network> whitelist;
  std::vector<std::string> helo_whitelist;
  std::vector<std::string> domain_whitelist;
  std::vector<std::string> domain_whitelist_ptr;
  bool enhanced_codes = true;
  HeaderType header_type = HeaderType::spf;
  bool hide_receiver = false;
  std::string authserv_id;
  int lookup_time = 20;
  int whitelist_lookup_time = 10;
  int void_limit = 2;
  std::string reason_message{kDefaultReasonMessage};
  bool mock = false;
  bool log_queue_id = true;
  // Per_User: the overrides of listed recipients (null when unset). The Settings inside
  // are copies of this one with a line's overrides, and have no table themselves.
  std::shared_ptr<const PerUserTable> per_user;
};

// Errors (Errc::config): a CIDR list entry that is not an address or network.
[[nodiscard]] Result<Network> parse_network(std::string_view text);
[[nodiscard]] Result<std::vector<Network>> parse_networks(std::string_view csv);
// True when `ip` (text; IPv4-mapped IPv6 also matches IPv4 networks) lies in `net`.
bool network_contains(const Network& net, std::string_view ip) noexcept;
bool any_contains(const std::vector<Network>& nets, std::string_view ip) noexcept;

RejectPolicy parse_reject_policy(std::string_view v) noexcept;

// How an option may appear in a Per_User line: settable (apply_option knows it), ignored
// (policyd-spf.peruser(5): cannot be set per user; defaultSeedOnly), or not at all.
enum class PerUserUse { settable, ignored, refused };
PerUserUse per_user_use(std::string_view canonical_name) noexcept;

// Sets one per-user-settable option of `s` from its text (the same conversion
// settings_from applies to the file's value). Errors (Errc::config): a bad CIDR list, a
// number out of range, a name that is not settable per user.
[[nodiscard]] Result<void> apply_option(Settings& s, std::string_view name, std::string_view value);

// The path of `Per_User = text,/path`; empty when the option is unset. Errors
// (Errc::config): another type than text, no path, a relative path.
[[nodiscard]] Result<std::string> per_user_path(std::string_view option_value);

// Builds Settings from a parsed snapshot. Errors (Errc::config): bad CIDR lists,
// Header_Type AR without an Authserv_Id, a malformed Per_User value (the per-user file
// itself is read by per_user.hpp's load_per_user). `hostname` replaces Authserv_Id = HOSTNAME.
[[nodiscard]] Result<Settings> settings_from(const config::Config& cfg, std::string_view hostname);

// Cross-option checks for run_daemon's validate: errors from settings_from, and a
// plain-words warning for each policyd-spf trap the file walks into.
std::vector<config::Problem> check_settings(const config::Config& cfg);

// gethostname(), "localhost" if it fails.
std::string local_hostname();

}  // namespace cachet::spfd
