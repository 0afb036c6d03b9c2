// SPDX-License-Identifier: BSD-2-Clause
//
// policyd/spf/settings.hpp: the typed Settings a cachet-spf request uses, built once per
// config snapshot from the option table (options.hpp).
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
#include "common/spf/action.hpp"
#include "policyd/spf/options.hpp"

namespace cachet::spfd {

using spf::HeaderType;
using spf::RejectPolicy;

struct Network {
  bool is_v6 = false;
  std::uint8_t addr[16] = {};
  int prefix = 0;
};

class PerUserTable;

// The options of the pure decision (common/spf/action.hpp: test_mode = TestOnly 0,
// permerror_reject, temperror_defer, prospective, enhanced_codes, header_type,
// authserv_id) and the rest.
struct Settings : spf::ActionSettings {
  int debug_level = 1;
  RejectPolicy helo_reject = RejectPolicy::fail;
  RejectPolicy mail_from_reject = RejectPolicy::fail;
  std::string helo_pass_restriction;
  std::string mail_from_pass_restriction;
  bool no_mail = false;
  std::vector<std::string> reject_not_pass_domains;
  std::vector<Network> skip_addresses;
  std::vector<Network> whitelist;
  std::vector<std::string> helo_whitelist;
  std::vector<std::string> domain_whitelist;
  std::vector<std::string> domain_whitelist_ptr;
  bool hide_receiver = false;
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
