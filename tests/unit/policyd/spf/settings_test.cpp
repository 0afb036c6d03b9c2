// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/policyd/spf/settings_test.cpp: cachet-spf's option table: every policyd-spf
// name is known, the peer's traps keep their meaning and produce check-mode warnings, CIDR
// lists, and the man page lists every option with its default.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policyd/spf/settings.hpp"

namespace cachet::spfd {
namespace {

config::ConfigOutcome parse(std::string_view text) {
  return config::parse_config(text, "policyd-spf.conf", kSpfOptions);
}

bool has_warning(const std::vector<config::Problem>& ps, std::string_view option, std::string_view words) {
  for (const auto& p : ps) {
    if (p.option == option && p.message.find(words) != std::string::npos) return true;
  }
  return false;
}

TEST(SpfSettings, TableIsSound) { EXPECT_TRUE(config::validate_table(kSpfOptions).empty()); }

TEST(SpfSettings, EveryPolicydSpfNameIsKnown) {
  // policyd-spf 3.0.4 nameConversion (peers.md s1.3), in its `Name = value` dialect.
  const char* names[] = {"debugLevel",
                         "HELO_reject",
                         "Mail_From_reject",
                         "PermError_reject",
                         "TempError_Defer",
                         "Mail_From_pass_restriction",
                         "HELO_pass_restriction",
                         "Prospective",
                         "Whitelist",
                         "skip_addresses",
                         "HELO_Whitelist",
                         "Domain_Whitelist",
                         "Domain_Whitelist_PTR",
                         "No_Mail",
                         "Reject_Not_Pass_Domains",
                         "Per_User",
                         "TestOnly",
                         "defaultSeedOnly",
                         "SPF_Enhanced_Status_Codes",
                         "Header_Type",
                         "Hide_Receiver",
                         "Authserv_Id",
                         "Lookup_Time",
                         "Whitelist_Lookup_Time",
                         "Void_Limit",
                         "Reason_Message",
                         "Mock",
                         "QueueID",
                         "Socket",
                         "PidFile",
                         "UserID",
                         "UMask",
                         "InternalHosts",
                         "IntHosts",
                         "MacroList"};
  for (const char* n : names) EXPECT_NE(config::find_option(kSpfOptions, n), nullptr) << n;
  EXPECT_FALSE(parse("NoSuchOption = 1\n").ok());
}

TEST(SpfSettings, DebianDefaultFileParses) {
  auto out = parse(
      "debugLevel = 1 \nTestOnly = 1\n\nHELO_reject = Fail\nMail_From_reject = Fail\n"
      "PermError_reject = False\nTempError_Defer = False\n"
      "skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1\n");
  ASSERT_TRUE(out.ok());
  auto s = settings_from(*out.config, "host.example");
  ASSERT_TRUE(s.has_value());
  EXPECT_FALSE(s->test_mode);
  EXPECT_EQ(s->helo_reject, RejectPolicy::fail);
  EXPECT_EQ(s->authserv_id, "host.example");
  EXPECT_EQ(s->skip_addresses.size(), 3u);
  EXPECT_TRUE(check_settings(*out.config).empty());
}

TEST(SpfSettings, TrapsKeepThePeersMeaningAndWarn) {
  auto out = parse(
      "TestOnly = 0\nPermError_reject = yes\nHide_Receiver = no\n"
      "SPF_Enhanced_Status_Codes = no\nMock = False\nHELO_reject = fail\n");
  ASSERT_TRUE(out.ok());
  auto s = settings_from(*out.config, "h");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->test_mode);
  EXPECT_FALSE(s->permerror_reject);  // only "True" enables
  EXPECT_TRUE(s->hide_receiver);      // anything but "No" hides
  EXPECT_TRUE(s->enhanced_codes);     // only "No" disables
  EXPECT_FALSE(s->mock);              // documented meaning, not Python bool()
  EXPECT_EQ(s->helo_reject, RejectPolicy::other);
  const auto w = check_settings(*out.config);
  EXPECT_TRUE(has_warning(w, "TestOnly", "TEST MODE"));
  EXPECT_TRUE(has_warning(w, "PermError_reject", "OFF"));
  EXPECT_TRUE(has_warning(w, "Hide_Receiver", "hidden"));
  EXPECT_TRUE(has_warning(w, "SPF_Enhanced_Status_Codes", "stay ON"));
  EXPECT_TRUE(has_warning(w, "Mock", "mock mode ON"));
  EXPECT_TRUE(has_warning(w, "HELO_reject", "case matters"));
  for (const auto& p : w) EXPECT_EQ(p.severity, config::Severity::warning) << p.to_string();
}

TEST(SpfSettings, MilterOnlyOptionsAreAcceptedWithoutEffect) {
  auto out = parse("InternalHosts = 127.0.0.1\nMacroList = daemon_name|ORIGINATING\n");
  ASSERT_TRUE(out.ok());
  int warnings = 0;
  for (const auto& p : out.problems) warnings += p.message.find("no effect") != std::string::npos;
  EXPECT_EQ(warnings, 2);
}

TEST(SpfSettings, BadValuesAreErrors) {
  auto bad_cidr = parse("Whitelist = 192.0.2.0/33\n");
  ASSERT_TRUE(bad_cidr.ok());
  EXPECT_FALSE(settings_from(*bad_cidr.config, "h").has_value());
  EXPECT_FALSE(check_settings(*bad_cidr.config).empty());
  EXPECT_FALSE(parse("Header_Type = SPF,AR\n").ok());
  auto no_id = parse("Header_Type = AR\nAuthserv_Id =\n");
  if (no_id.ok()) {
    EXPECT_FALSE(settings_from(*no_id.config, "h").has_value());
  }
  auto prospective = parse("Prospective = 192.0.2.0/24\n");
  ASSERT_TRUE(prospective.ok());
  EXPECT_FALSE(settings_from(*prospective.config, "h").has_value());
  for (const char* per_user : {"Per_User = sql,/etc/u\n", "Per_User = text\n", "Per_User = text,relative/u\n"}) {
    auto pu = parse(per_user);
    ASSERT_TRUE(pu.ok()) << per_user;
    EXPECT_FALSE(settings_from(*pu.config, "h").has_value()) << per_user;
  }
}

TEST(SpfSettings, ApplyOptionSetsOnlyPerUserOptions) {
  Settings s;
  ASSERT_TRUE(apply_option(s, "PermError_reject", "True").has_value());
  EXPECT_TRUE(s.permerror_reject);
  ASSERT_TRUE(apply_option(s, "TestOnly", "0").has_value());
  EXPECT_TRUE(s.test_mode);
  EXPECT_FALSE(apply_option(s, "Void_Limit", "101").has_value());
  EXPECT_FALSE(apply_option(s, "Whitelist", "192.0.2.0/33").has_value());
  EXPECT_FALSE(apply_option(s, "Header_Type", "AR").has_value());
  EXPECT_EQ(per_user_use("Header_Type"), PerUserUse::ignored);
  EXPECT_EQ(per_user_use("Socket"), PerUserUse::refused);
  EXPECT_EQ(per_user_use("Reason_Message"), PerUserUse::settable);
}

struct NetCase {
  const char* net;
  const char* ip;
  bool want;
};

TEST(SpfSettings, NetworkMatching) {
  const NetCase cases[] = {
      {"127.0.0.0/8", "127.1.2.3", true},
      {"127.0.0.0/8", "128.0.0.1", false},
      {"127.0.0.0/8", "::ffff:127.0.0.1", true},
      {"::ffff:127.0.0.0/104", "::ffff:127.9.9.9", true},
      {"::1", "::1", true},
      {"::1", "::2", false},
      {"192.0.2.1", "192.0.2.1", true},
      {"0.0.0.0/0", "203.0.113.9", true},
      {"2001:db8::/32", "2001:db8:1::5", true},
      {"2001:db8::/32", "2001:db9::5", false},
      {"192.0.2.0/24", "garbage", false},
  };
  for (const auto& c : cases) {
    auto n = parse_network(c.net);
    ASSERT_TRUE(n.has_value()) << c.net;
    EXPECT_EQ(network_contains(*n, c.ip), c.want) << c.net << " " << c.ip;
  }
  EXPECT_FALSE(parse_network("").has_value());
  EXPECT_FALSE(parse_network("10.0.0.0/").has_value());
  EXPECT_FALSE(parse_network("10.0.0.0/8x").has_value());
  EXPECT_FALSE(parse_network("host.example").has_value());
}

TEST(SpfSettings, ManPageListsEveryOptionWithItsDefault) {
  std::ifstream in(std::string(CACHET_SOURCE_DIR) + "/policyd/spf/cachet-spf.8.md");
  ASSERT_TRUE(in) << "man page missing";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string page = ss.str();
  for (const auto& o : kSpfOptions) {
    const std::string head = "**" + std::string(o.name) + "**";
    const std::size_t at = page.find(head);
    ASSERT_NE(at, std::string::npos) << o.name;
    const std::string line = page.substr(at, page.find('\n', at) - at);
    const std::string want = o.default_value.empty() ? "(none)" : "`" + std::string(o.default_value) + "`";
    EXPECT_NE(line.find("default " + want), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace cachet::spfd
