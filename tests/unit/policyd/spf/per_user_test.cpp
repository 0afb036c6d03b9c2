// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/policyd/spf/per_user_test.cpp: the Per_User file parser (policyd-spf.peruser(5)
// format) on boundaries and malformed lines, the table built from it, and per-user
// overrides through SpfService (with the instance cache decision of session.hpp).
#include "policyd/spf/per_user.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/dns/zone_resolver.hpp"
#include "common/log/logger.hpp"
#include "common/policy/request.hpp"
#include "policyd/spf/session.hpp"

namespace cachet::spfd {
namespace {

struct Row {
  std::string_view name;
  std::string input;
  bool want_ok;
  std::size_t want_entries;
};

class ParsePerUser : public ::testing::TestWithParam<Row> {};

TEST_P(ParsePerUser, AcceptsOnlyWellFormedFiles) {
  const Row& c = GetParam();
  const PerUserOutcome got = parse_per_user(c.input, "userconf");
  std::string problems;
  for (const auto& p : got.problems) problems += p.to_string() + "\n";
  EXPECT_EQ(got.ok(), c.want_ok) << c.name << "\n" << problems;
  if (got.ok()) {
    EXPECT_EQ(got.entries.size(), c.want_entries) << c.name;
  }
}

std::string line_of(std::size_t bytes) {
  std::string l = "a@example.com,Reason_Message=";
  l += std::string(bytes - l.size(), 'x');
  return l;
}

std::string pairs(std::size_t n) {
  std::string l = "a@example.com,TestOnly=1";
  for (std::size_t i = 1; i < n; ++i) l += "|TestOnly=1";
  return l;
}

INSTANTIATE_TEST_SUITE_P(
    PeruserFormat, ParsePerUser,
    ::testing::Values(
        Row{"empty file", "", true, 0}, Row{"only comments and blanks", "# x\n\n   \n#y", true, 0},
        Row{"minimal", "a@example.com,TestOnly=1", true, 1},
        Row{"man page example",
            "postmaster@example.com,Mail_From_reject=No_Check|PermError_reject=False|"
            "HELO_reject=SPF_Not_Pass|TestOnly=1|debugLevel=5|skip_addresses=127.0.0.0/8,"
            "::ffff:127.0.0.0/104,::1/128|TempError_Defer=False\n"
            "strict@example.com,PermError_reject=True|HELO_reject=SPF_Not_Pass|"
            "TempError_Defer=True\n",
            true, 2},
        Row{"comment after settings", "a@x.example,PermError_reject=True # strict\n", true, 1},
        Row{"CRLF line ends", "a@x.example,PermError_reject=True\r\nb@x.example,No_Mail=True\r\n", true, 2},
        Row{"spaces around pairs", "a@x.example , PermError_reject = True | No_Mail=True", true, 1},
        Row{"recipient without settings value", "a@x.example,Reason_Message=", true, 1},
        Row{"line at limit", line_of(kMaxPerUserLineBytes), true, 1},
        Row{"line over limit", line_of(kMaxPerUserLineBytes + 1), false, 0},
        Row{"pairs at limit", pairs(kMaxPerUserPairs), true, 1},
        Row{"pairs over limit", pairs(kMaxPerUserPairs + 1), false, 0},
        Row{"no comma", "a@x.example PermError_reject=True", false, 0},
        Row{"empty recipient", ",PermError_reject=True", false, 0},
        Row{"recipient with a space", "a b@x.example,PermError_reject=True", false, 0},
        Row{"no equals", "a@x.example,PermError_reject", false, 0},
        Row{"two equals", "a@x.example,Reason_Message=a=b", false, 0},
        Row{"empty pair", "a@x.example,PermError_reject=True|", false, 0},
        Row{"unknown name", "a@x.example,Frobnicate=1", false, 0},
        Row{"not a per-user option", "a@x.example,Socket=inet:1@127.0.0.1", false, 0},
        Row{"Per_User itself", "a@x.example,Per_User=text,/etc/x", false, 0},
        Row{"bad CIDR", "a@x.example,Whitelist=300.1.1.1", false, 0},
        Row{"integer out of range", "a@x.example,Void_Limit=101", false, 0},
        Row{"TestOnly out of range", "a@x.example,TestOnly=2", false, 0},
        Row{"NUL byte", std::string("a@x.example,No_Mail=True\0x", 26), false, 0},
        Row{"control byte", "a@x.example,No_Mail=\x01True", false, 0},
        Row{"8-bit recipient", "j\xc3\xb6rg@x.example,No_Mail=True", true, 1},
        Row{"ignored options warn only", "a@x.example,Lookup_Time=5|Header_Type=AR|Mock=True", true, 1},
        Row{"peer's Authserv-Id spelling", "a@x.example,Authserv-Id=mx", true, 1},
        Row{"duplicate recipient: first wins", "a@x.example,No_Mail=True\nA@X.example,TestOnly=0", true, 1}));

std::string entries(std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) text += "u" + std::to_string(i) + "@x.example,No_Mail=True\n";
  return text;
}

TEST(PerUser, EntryAndSizeLimits) {
  EXPECT_TRUE(parse_per_user(entries(kMaxPerUserEntries), "u").ok());
  EXPECT_FALSE(parse_per_user(entries(kMaxPerUserEntries + 1), "u").ok());
  std::string big = "# " + std::string(kMaxPerUserBytes - 3, 'x') + "\n";
  EXPECT_TRUE(parse_per_user(big, "u").ok());
  big.insert(0, "#");
  EXPECT_FALSE(parse_per_user(big, "u").ok());
}

TEST(PerUser, ProblemsNameFileAndLine) {
  const PerUserOutcome got =
      parse_per_user("# header\na@x.example,No_Mail=True\nbroken line\nb@x,Bogus=1\n", "userconf");
  ASSERT_EQ(got.problems.size(), 2u);
  EXPECT_EQ(got.problems[0].to_string(),
            "userconf:3: no ',' between the recipient and its settings "
            "(recipient,Name=value|Name=value)");
  EXPECT_EQ(got.problems[1].to_string(), "userconf:4: Bogus: unknown option");
}

TEST(PerUser, FirstLineWinsAndRecipientsAreLowerCased) {
  const PerUserOutcome got = parse_per_user("A@X.Example,PermError_reject=True\na@x.example,No_Mail=True\n", "u");
  ASSERT_EQ(got.entries.size(), 1u);
  EXPECT_EQ(got.entries[0].recipient, "a@x.example");
  EXPECT_EQ(got.entries[0].line, 1u);
  ASSERT_EQ(got.problems.size(), 1u);
  EXPECT_EQ(got.problems[0].severity, config::Severity::warning);
}

TEST(PerUser, IgnoredOptionsAreDroppedWithAWarning) {
  const PerUserOutcome got = parse_per_user("a@x.example,Header_Type=AR|No_Mail=True", "u");
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got.entries.size(), 1u);
  ASSERT_EQ(got.entries[0].values.size(), 1u);
  EXPECT_EQ(got.entries[0].values[0].first, "No_Mail");
  ASSERT_EQ(got.problems.size(), 1u);
  EXPECT_NE(got.problems[0].message.find("cannot be set per user"), std::string::npos);
}

TEST(PerUser, PerUserPathForms) {
  EXPECT_EQ(per_user_path("").value(), "");
  EXPECT_EQ(per_user_path("text,/etc/userconf").value(), "/etc/userconf");
  EXPECT_EQ(per_user_path(" text , /etc/userconf ").value(), "/etc/userconf");
  EXPECT_FALSE(per_user_path("text").has_value());
  EXPECT_FALSE(per_user_path("text,relative").has_value());
  EXPECT_FALSE(per_user_path("sql,/etc/x").has_value());
}

TEST(PerUser, TableAppliesOverridesOverTheGlobalSettings) {
  Settings global;
  global.authserv_id = "mx";
  const PerUserOutcome parsed = parse_per_user(
      "strict@x.example,PermError_reject=True|Mail_From_reject=Softfail|Void_Limit=5\n"
      "lax@x.example,Mail_From_reject=False|SPF_Enhanced_Status_Codes=No\n",
      "u");
  ASSERT_TRUE(parsed.ok());
  auto table = PerUserTable::build(global, parsed.entries);
  ASSERT_TRUE(table.has_value());
  const Settings* strict = (*table)->find("strict@x.example");
  ASSERT_NE(strict, nullptr);
  EXPECT_TRUE(strict->permerror_reject);
  EXPECT_EQ(strict->mail_from_reject, RejectPolicy::softfail);
  EXPECT_EQ(strict->void_limit, 5);
  EXPECT_EQ(strict->authserv_id, "mx");  // untouched options stay global
  const Settings* lax = (*table)->find("lax@x.example");
  ASSERT_NE(lax, nullptr);
  EXPECT_EQ(lax->mail_from_reject, RejectPolicy::no_header_only);
  EXPECT_FALSE(lax->enhanced_codes);
  EXPECT_EQ((*table)->find("other@x.example"), nullptr);
  EXPECT_EQ((*table)->find(""), nullptr);
}

// Per-user overrides through the service, with the instance cache.
class PerUserService : public ::testing::Test {
 protected:
  PerUserService() {
    zone_.add("mx.none.example", dns::RrType::a, "192.0.2.99");
    zone_.add_txt("pass.example", {"v=spf1 ip4:192.0.2.1 -all"});
    zone_.add_txt("fail.example", {"v=spf1 -all"});
    zone_.add_txt("softfail.example", {"v=spf1 ~all"});
    auto parsed = parse_per_user(
        "strict@dest.example,Mail_From_reject=Softfail\n"
        "lax@dest.example,Mail_From_reject=False\n",
        "u");
    EXPECT_TRUE(parsed.ok());
    global_.authserv_id = "mx.dest.example";
    global_.per_user = PerUserTable::build(global_, parsed.entries).value();
  }

  std::string ask(std::string_view sender, std::string_view rcpt, std::string instance) {
    policy::Request r{{"request", "smtpd_access_policy"},
                      {"protocol_state", "RCPT"},
                      {"helo_name", "mx.none.example"},
                      {"sender", sender},
                      {"recipient", rcpt},
                      {"client_address", "192.0.2.1"},
                      {"instance", instance}};
    std::string identity, result;
    const Settings* used = nullptr;
    auto o = service_.decide(r, global_, &identity, &result, &used);
    if (!o) return "ERROR " + o.error().detail;
    return action_text(*o, *used);
  }

  dns::ZoneResolver zone_;
  log::CaptureLogger logger_;
  SpfService service_{zone_, logger_, [] { return nullptr; }, "mx.dest.example"};
  Settings global_;
};

TEST_F(PerUserService, RecipientOverridesDecide) {
  EXPECT_EQ(ask("u@softfail.example", "plain@dest.example", "i1").substr(0, 30), "prepend Received-SPF: Softfail");
  EXPECT_EQ(ask("u@softfail.example", "STRICT@dest.example", "i2").substr(0, 10), "550 5.7.23");
  EXPECT_EQ(ask("u@fail.example", "lax@dest.example", "i3").substr(0, 26), "prepend Received-SPF: Fail");
  EXPECT_EQ(ask("u@fail.example", "plain@dest.example", "i4").substr(0, 10), "550 5.7.23");
}

TEST_F(PerUserService, OneHeaderPerMessageWhateverTheRecipientOrder) {
  // plain first: the per-user recipient is evaluated, but gets no second header.
  EXPECT_EQ(ask("u@softfail.example", "plain@dest.example", "m1").substr(0, 7), "prepend");
  EXPECT_EQ(ask("u@softfail.example", "strict@dest.example", "m1").substr(0, 10), "550 5.7.23");
  EXPECT_EQ(ask("u@softfail.example", "lax@dest.example", "m1"), "dunno");
  EXPECT_EQ(ask("u@softfail.example", "plain2@dest.example", "m1"), "dunno");
  // per-user first: a later plain recipient is evaluated under the global settings, and
  // does not prepend a second header.
  EXPECT_EQ(ask("u@fail.example", "lax@dest.example", "m2").substr(0, 7), "prepend");
  EXPECT_EQ(ask("u@fail.example", "plain@dest.example", "m2").substr(0, 10), "550 5.7.23");
  EXPECT_EQ(ask("u@pass.example", "lax@dest.example", "m3").substr(0, 7), "prepend");
  EXPECT_EQ(ask("u@pass.example", "plain@dest.example", "m3"), "dunno");
  EXPECT_EQ(ask("u@pass.example", "plain2@dest.example", "m3"), "dunno");
}

}  // namespace
}  // namespace cachet::spfd
