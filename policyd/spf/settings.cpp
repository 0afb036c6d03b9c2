// SPDX-License-Identifier: BSD-2-Clause
// policyd/spf/settings.cpp: see settings.hpp.
#include "policyd/spf/settings.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>

#include "common/base/strings.hpp"

namespace cachet::spfd {
namespace {

std::vector<std::string> split_csv(std::string_view csv) {
  std::vector<std::string> out;
  for (std::string_view item : split(csv, ',')) {
    item = trim(item);
    if (!item.empty()) out.emplace_back(to_lower(item));
  }
  return out;
}

// Parses an address into 16 bytes (IPv4 in the first 4). IPv4-mapped IPv6 stays v6 here.
bool parse_ip(std::string_view text, bool& is_v6, std::uint8_t* out) {
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), out) == 1) {
    is_v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), out) == 1) {
    is_v6 = true;
    return true;
  }
  return false;
}

bool prefix_match(const std::uint8_t* a, const std::uint8_t* b, int bits) {
  const int bytes = bits / 8;
  if (std::memcmp(a, b, static_cast<std::size_t>(bytes)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[bytes] & mask) == (b[bytes] & mask);
}

bool is_v4_mapped(const std::uint8_t* a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a, kPrefix, sizeof kPrefix) == 0;
}

void warn(std::vector<config::Problem>& out, const config::Config& cfg, std::string_view name, std::string message) {
  config::Problem p;
  if (auto at = cfg.origin(name)) {
    p.file = at->file;
    p.line = at->line;
  }
  p.option = std::string(name);
  p.message = std::move(message);
  p.severity = config::Severity::warning;
  out.push_back(std::move(p));
}

void check_true_false(std::vector<config::Problem>& out, const config::Config& cfg, std::string_view name) {
  const std::string& v = cfg.string(name);
  if (cfg.is_set(name) && v != "True" && v != "False") {
    warn(out, cfg, name,
         "'" + v +
             "' is neither True nor False; like policyd-spf, only the exact word True "
             "enables this option, so it is OFF");
  }
}

}  // namespace

Result<Network> parse_network(std::string_view text) {
  text = trim(text);
  Network net;
  std::string_view addr = text;
  int max_bits = 0;
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  if (!parse_ip(addr, net.is_v6, net.addr)) {
    return fail(Errc::config, "'" + std::string(text) + "' is not an IP address or network");
  }
  max_bits = net.is_v6 ? 128 : 32;
  net.prefix = max_bits;
  if (slash != std::string_view::npos) {
    auto bits = parse_uint(text.substr(slash + 1));
    if (!bits || *bits > static_cast<unsigned long long>(max_bits)) {
      return fail(Errc::config, "'" + std::string(text) + "' has a bad prefix length");
    }
    net.prefix = static_cast<int>(*bits);
  }
  return net;
}

Result<std::vector<Network>> parse_networks(std::string_view csv) {
  std::vector<Network> out;
  for (std::string_view item : split(csv, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    auto net = parse_network(item);
    if (!net) return fail(Errc::config, net.error().detail);
    out.push_back(*net);
  }
  return out;
}

bool network_contains(const Network& net, std::string_view ip) noexcept {
  bool is_v6 = false;
  std::uint8_t addr[16] = {};
  if (!parse_ip(ip, is_v6, addr)) return false;
  if (is_v6 == net.is_v6) return prefix_match(addr, net.addr, net.prefix);
  // ::ffff:a.b.c.d against an IPv4 network (Postfix may report mapped clients).
  if (is_v6 && !net.is_v6 && is_v4_mapped(addr)) return prefix_match(addr + 12, net.addr, net.prefix);
  return false;
}

bool any_contains(const std::vector<Network>& nets, std::string_view ip) noexcept {
  for (const Network& n : nets) {
    if (network_contains(n, ip)) return true;
  }
  return false;
}

RejectPolicy parse_reject_policy(std::string_view v) noexcept {
  // policyd-spf compares these case-sensitively; other spellings reject nothing but
  // still let PermError_reject / TempError_Defer act (its _get_resultcodes).
  if (v == "Fail") return RejectPolicy::fail;
  if (v == "SPF_Not_Pass") return RejectPolicy::spf_not_pass;
  if (v == "Softfail") return RejectPolicy::softfail;
  if (v == "Null") return RejectPolicy::null;
  if (v == "False") return RejectPolicy::no_header_only;
  if (v == "No_Check") return RejectPolicy::no_check;
  return RejectPolicy::other;
}

std::string local_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

namespace {

// The options a Per_User line may set, in the order settings_from applies them.
constexpr std::string_view kSettable[] = {"TestOnly",
                                          "HELO_reject",
                                          "Mail_From_reject",
                                          "HELO_pass_restriction",
                                          "Mail_From_pass_restriction",
                                          "No_Mail",
                                          "Reject_Not_Pass_Domains",
                                          "PermError_reject",
                                          "TempError_Defer",
                                          "skip_addresses",
                                          "Whitelist",
                                          "HELO_Whitelist",
                                          "Domain_Whitelist",
                                          "Domain_Whitelist_PTR",
                                          "SPF_Enhanced_Status_Codes",
                                          "Whitelist_Lookup_Time",
                                          "Void_Limit",
                                          "Reason_Message"};
// policyd-spf.peruser(5): "cannot be modified on a per user basis"; defaultSeedOnly has no
// effect anywhere.
constexpr std::string_view kIgnoredPerUser[] = {"Lookup_Time", "Header_Type", "Hide_Receiver", "Authserv_Id",
                                                "Prospective", "debugLevel",  "Mock",          "defaultSeedOnly"};

Result<int> ranged_int(std::string_view name, std::string_view value) {
  const config::OptionSpec* spec = config::find_option(kSpfOptions, name);
  auto n = config::parse_integer(value, spec ? spec->range : config::Range{});
  if (!n) return fail(Errc::config, std::string(name) + ": " + n.error().detail);
  return static_cast<int>(*n);
}

Result<std::vector<Network>> networks_of(std::string_view name, std::string_view value) {
  auto nets = parse_networks(value);
  if (!nets) return fail(Errc::config, std::string(name) + ": " + nets.error().detail);
  return nets;
}

}  // namespace

PerUserUse per_user_use(std::string_view canonical_name) noexcept {
  for (std::string_view n : kSettable) {
    if (n == canonical_name) return PerUserUse::settable;
  }
  for (std::string_view n : kIgnoredPerUser) {
    if (n == canonical_name) return PerUserUse::ignored;
  }
  return PerUserUse::refused;
}

Result<void> apply_option(Settings& s, std::string_view name, std::string_view value) {
  if (name == "TestOnly") {
    auto n = ranged_int(name, value);
    if (!n) return fail(n.error().code, n.error().detail);
    s.test_mode = *n == 0;
  } else if (name == "HELO_reject") {
    s.helo_reject = parse_reject_policy(value);
  } else if (name == "Mail_From_reject") {
    s.mail_from_reject = parse_reject_policy(value);
    // "Null" only means something for HELO (reject HELO fail only for the null sender).
    if (s.mail_from_reject == RejectPolicy::null) s.mail_from_reject = RejectPolicy::other;
  } else if (name == "HELO_pass_restriction") {
    s.helo_pass_restriction = std::string(value);
  } else if (name == "Mail_From_pass_restriction") {
    s.mail_from_pass_restriction = std::string(value);
  } else if (name == "No_Mail") {
    s.no_mail = value == "True";
  } else if (name == "Reject_Not_Pass_Domains") {
    s.reject_not_pass_domains = split_csv(value);
  } else if (name == "PermError_reject") {
    s.permerror_reject = value == "True";
  } else if (name == "TempError_Defer") {
    s.temperror_defer = value == "True";
  } else if (name == "skip_addresses" || name == "Whitelist") {
    auto nets = networks_of(name, value);
    if (!nets) return fail(nets.error().code, nets.error().detail);
    (name == "Whitelist" ? s.whitelist : s.skip_addresses) = std::move(*nets);
  } else if (name == "HELO_Whitelist") {
    s.helo_whitelist = split_csv(value);
  } else if (name == "Domain_Whitelist") {
    s.domain_whitelist = split_csv(value);
  } else if (name == "Domain_Whitelist_PTR") {
    s.domain_whitelist_ptr = split_csv(value);
  } else if (name == "SPF_Enhanced_Status_Codes") {
    s.enhanced_codes = value != "No";
  } else if (name == "Whitelist_Lookup_Time" || name == "Void_Limit") {
    auto n = ranged_int(name, value);
    if (!n) return fail(n.error().code, n.error().detail);
    (name == "Void_Limit" ? s.void_limit : s.whitelist_lookup_time) = *n;
  } else if (name == "Reason_Message") {
    s.reason_message = std::string(value);
  } else {
    return fail(Errc::config, std::string(name) + ": cannot be set per user");
  }
  return {};
}

Result<Settings> settings_from(const config::Config& cfg, std::string_view hostname) {
  Settings s;
  s.debug_level = static_cast<int>(cfg.integer("debugLevel"));
  for (std::string_view name : kSettable) {
    if (auto r = apply_option(s, name, cfg.string(name)); !r) return fail(r.error().code, r.error().detail);
  }
  s.prospective = std::string(trim(cfg.string("Prospective")));
  if (!s.prospective.empty()) {
    auto net = parse_network(s.prospective);
    if (!net || net->prefix != (net->is_v6 ? 128 : 32)) {
      return fail(Errc::config, "Prospective: '" + s.prospective + "' is not an IP address");
    }
  }
  const std::string& ht = cfg.string("Header_Type");
  if (iequals(ht, "AR"))
    s.header_type = HeaderType::ar;
  else if (iequals(ht, "None"))
    s.header_type = HeaderType::none;
  else if (iequals(ht, "Both"))
    s.header_type = HeaderType::both;
  s.hide_receiver = cfg.string("Hide_Receiver") != "No";
  s.authserv_id = cfg.string("Authserv_Id");
  if (s.authserv_id == "HOSTNAME") s.authserv_id = std::string(hostname);
  if (s.authserv_id.empty() && (s.header_type == HeaderType::ar || s.header_type == HeaderType::both)) {
    return fail(Errc::config, "Authserv_Id: empty, but Header_Type needs it");
  }
  s.lookup_time = static_cast<int>(cfg.integer("Lookup_Time"));
  s.mock = cfg.boolean("Mock");
  s.log_queue_id = cfg.boolean("QueueID");
  if (auto p = per_user_path(cfg.string("Per_User")); !p) return fail(p.error().code, p.error().detail);
  return s;
}

Result<std::string> per_user_path(std::string_view option_value) {
  const std::string_view v = trim(option_value);
  if (v.empty()) return std::string();
  const std::size_t comma = v.find(',');
  const std::string_view type = trim(v.substr(0, comma));
  if (comma == std::string_view::npos || type != "text") {
    return fail(Errc::config,
                "Per_User: '" + std::string(v) + "' is not text,/path (text files are the only per-user type)");
  }
  const std::string_view path = trim(v.substr(comma + 1));
  if (path.empty() || path.front() != '/') {
    return fail(Errc::config, "Per_User: the per-user file must be an absolute path");
  }
  return std::string(path);
}

std::vector<config::Problem> check_settings(const config::Config& cfg) {
  std::vector<config::Problem> out;
  if (auto s = settings_from(cfg, "localhost"); !s) out.push_back(config::problem_from(cfg, s.error()));
  if (cfg.integer("TestOnly") == 0) {
    warn(out, cfg, "TestOnly",
         "0 is TEST MODE (as in policyd-spf): nothing is rejected or deferred; "
         "1 is normal operation");
  }
  if (cfg.is_set("Mock") && !cfg.boolean("Mock")) {
    warn(out, cfg, "Mock",
         "policyd-spf reads any non-empty value as True, so there this line turns mock mode ON "
         "(no SPF checks at all); cachet-spf reads it as written: mock mode is OFF");
  } else if (cfg.boolean("Mock")) {
    warn(out, cfg, "Mock", "mock mode: every request gets dunno, no SPF check is done");
  }
  for (std::string_view name : {"HELO_reject", "Mail_From_reject"}) {
    if (parse_reject_policy(cfg.string(name)) == RejectPolicy::other) {
      warn(out, cfg, name,
           "'" + cfg.string(name) +
               "' is not a known value (case matters, as in policyd-spf): "
               "no SPF result rejects for this identity");
    }
  }
  check_true_false(out, cfg, "PermError_reject");
  check_true_false(out, cfg, "TempError_Defer");
  check_true_false(out, cfg, "No_Mail");
  const std::string& esc = cfg.string("SPF_Enhanced_Status_Codes");
  if (cfg.is_set("SPF_Enhanced_Status_Codes") && esc != "Yes" && esc != "No") {
    warn(out, cfg, "SPF_Enhanced_Status_Codes",
         "'" + esc + "': only the exact word No turns the RFC 7372 codes off, so they stay ON");
  }
  const std::string& hide = cfg.string("Hide_Receiver");
  if (cfg.is_set("Hide_Receiver") && hide != "Yes" && hide != "No") {
    warn(out, cfg, "Hide_Receiver",
         "'" + hide + "': anything but the exact word No hides the receiver, so it is hidden");
  }
  if (cfg.string("Socket").find("pyspf-milter") != std::string::npos) {
    warn(out, cfg, "Socket",
         "this is pyspf-milter's socket; with Socket set, cachet-spf runs as a socket server, "
         "not in spawn mode. Remove the line for master.cf spawn use");
  }
  if (!cfg.string("Prospective").empty()) {
    warn(out, cfg, "Prospective", "prospective mode: every answer is dunno, nothing is enforced");
  }
  return out;
}

}  // namespace cachet::spfd
