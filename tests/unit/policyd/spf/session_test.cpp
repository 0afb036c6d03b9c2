// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/policyd/spf/session_test.cpp: cachet-spf's action lines, row by row against
// ../shared/reference/peers.md s2.4 (policyd-spf 3.0.4, captured), on an in-memory zone.
// Rows differ from the capture only where docs/migrating.md (cachet-spf) says so: the {url}
// (RFC 7208 instead of www.openspf.net) and our wording of permerror/temperror causes.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/dns/zone_resolver.hpp"
#include "common/log/logger.hpp"
#include "common/policy/reply.hpp"
#include "common/policy/request.hpp"
#include "policyd/spf/session.hpp"

namespace cachet::spfd {
namespace {

using dns::RrType;

constexpr std::string_view kDefaultConf =
    "debugLevel = 1\nTestOnly = 1\nHELO_reject = Fail\nMail_From_reject = Fail\n"
    "PermError_reject = False\nTempError_Defer = False\n"
    "skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1\n";
constexpr std::string_view kArConf =
    "Mail_From_reject = Softfail\nPermError_reject = True\nTempError_Defer = True\n"
    "Header_Type = AR\nAuthserv_Id = mx.dest.example\n";

const std::string kUrlFail = "https://www.rfc-editor.org/rfc/rfc7208#section-8.4";

Settings settings(std::string_view text) {
  auto out = config::parse_config(text, "policyd-spf.conf", kSpfOptions);
  for (const auto& p : out.problems) ADD_FAILURE() << p.to_string();
  if (!out.ok()) return Settings{};
  auto s = settings_from(*out.config, "mx.dest.example");
  EXPECT_TRUE(s.has_value());
  return s ? *s : Settings{};
}

class SpfServiceTest : public ::testing::Test {
 protected:
  SpfServiceTest() {
    zone_.add("mx.none.example", RrType::a, "192.0.2.99");
    zone_.add("none.example", RrType::a, "192.0.2.99");
    zone_.add_txt("pass.example", {"v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all"});
    zone_.add_txt("fail.example", {"v=spf1 -all"});
    zone_.add_txt("softfail.example", {"v=spf1 ~all"});
    zone_.add_txt("neutral.example", {"v=spf1 ?all"});
    zone_.add_txt("perm.example", {"v=spf1 foo:bar -all"});
    zone_.add_txt("temp.example", {"v=spf1 -all"});
    zone_.set_timeout("temp.example", RrType::txt);
    zone_.add_txt("exp.example", {"v=spf1 -all exp=why.exp.example"});
    zone_.add_txt("why.exp.example", {"Go away %{i}"});
    zone_.add_txt("softall.example", {"v=spf1 ip4:192.0.2.1 ~all"});
  }

  // One request through decide + action_text, with a fresh instance unless given.
  std::string ask(const Settings& s, std::string_view sender, std::string_view helo = "mx.none.example",
                  std::string_view ip = "192.0.2.1", std::string instance = "") {
    if (instance.empty()) instance = "inst" + std::to_string(++serial_);
    policy::Request r{
        {"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"helo_name", helo},    {"sender", sender},
        {"recipient", "rcpt@dest.example"}, {"client_address", ip},     {"instance", instance}, {"queue_id", "QID1"}};
    std::string identity, result;
    auto o = service_.decide(r, s, &identity, &result);
    if (!o) return "ERROR " + o.error().detail;
    return action_text(*o, s);
  }

  dns::ZoneResolver zone_;
  log::CaptureLogger logger_;
  SpfService service_{zone_, logger_, [] { return nullptr; }, "mx.dest.example"};
  int serial_ = 0;
};

std::string rspf(std::string_view word, std::string_view comment, std::string_view identity, std::string_view helo,
                 std::string_view from, std::string_view ip = "192.0.2.1") {
  return "prepend Received-SPF: " + std::string(word) + " (" + std::string(comment) +
         ") identity=" + std::string(identity) + "; client-ip=" + std::string(ip) + "; helo=" + std::string(helo) +
         "; envelope-from=" + std::string(from) + "; receiver=dest.example ";
}

TEST_F(SpfServiceTest, DefaultConfigRowsMatchPolicydSpf) {
  const Settings s = settings(kDefaultConf);
  EXPECT_EQ(ask(s, "u@pass.example"), rspf("Pass", "mailfrom", "mailfrom", "mx.none.example", "u@pass.example"));
  EXPECT_EQ(ask(s, "u@fail.example"),
            "550 5.7.23 Message rejected due to: SPF fail - not authorized. Please see " + kUrlFail);
  EXPECT_EQ(ask(s, "u@softfail.example"),
            rspf("Softfail", "mailfrom", "mailfrom", "mx.none.example", "u@softfail.example"));
  EXPECT_EQ(ask(s, "u@neutral.example"),
            rspf("Neutral", "mailfrom", "mailfrom", "mx.none.example", "u@neutral.example"));
  EXPECT_EQ(ask(s, "u@none.example"), rspf("None", "mailfrom", "mailfrom", "mx.none.example", "u@none.example"));
  EXPECT_EQ(ask(s, "u@perm.example"), rspf("Permerror", "mailfrom", "mailfrom", "mx.none.example", "u@perm.example"));
  EXPECT_EQ(ask(s, "u@temp.example"), rspf("Temperror", "mailfrom", "mailfrom", "mx.none.example", "u@temp.example"));
}

TEST_F(SpfServiceTest, HeloRowsMatchPolicydSpf) {
  const Settings s = settings(kDefaultConf);
  EXPECT_EQ(ask(s, "u@pass.example", "fail.example"),
            "550 5.7.23 Message rejected due to: SPF fail - not authorized. Please see " + kUrlFail);
  EXPECT_EQ(ask(s, "", "pass.example"), rspf("Pass", "sender SPF authorized", "helo", "pass.example", "<>"));
  // MAIL FROM none, HELO pass: the HELO header is used (CVE-2019-20790 shape).
  EXPECT_EQ(ask(s, "u@none.example", "pass.example"),
            rspf("Pass", "sender SPF authorized", "helo", "pass.example", "u@none.example"));
}

TEST_F(SpfServiceTest, SecondRecipientOfTheSameInstanceGetsDunno) {
  const Settings s = settings(kDefaultConf);
  EXPECT_NE(ask(s, "u@pass.example", "mx.none.example", "192.0.2.1", "same"), "dunno");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "192.0.2.1", "same"), "dunno");
  // A reject is repeated for every recipient.
  const std::string first = ask(s, "u@fail.example", "mx.none.example", "192.0.2.1", "rej");
  EXPECT_EQ(ask(s, "u@fail.example", "mx.none.example", "192.0.2.1", "rej"), first);
}

TEST_F(SpfServiceTest, SkipAddressesPrependXComment) {
  const Settings s = settings(kDefaultConf);
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "127.0.0.1"),
            "prepend X-Comment: SPF check N/A for local connections - client-ip=127.0.0.1; "
            "helo=mx.none.example; envelope-from=u@pass.example; receiver=dest.example ");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "::ffff:127.0.0.5").substr(0, 28),
            "prepend X-Comment: SPF check");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "::1").substr(0, 28), "prepend X-Comment: SPF check");
}

TEST_F(SpfServiceTest, ArRowsMatchPolicydSpf) {
  const Settings s = settings(kArConf);
  const std::string tail =
      " (client-ip=192.0.2.1; helo=mx.none.example; envelope-from=u@X.example; "
      "receiver=dest.example)";
  auto with = [&](std::string head, std::string_view dom) {
    std::string t = tail;
    t.replace(t.find('X'), 1, dom);
    return "prepend Authentication-Results: mx.dest.example; " + head + t;
  };
  EXPECT_EQ(ask(s, "u@pass.example"), with("spf=pass (sender SPF authorized) smtp.mailfrom=pass.example", "pass"));
  EXPECT_EQ(ask(s, "u@neutral.example"),
            with("spf=neutral (access neither permitted nor denied) smtp.mailfrom=neutral.example", "neutral"));
  EXPECT_EQ(ask(s, "u@none.example"), with("spf=none (no SPF record) smtp.mailfrom=none.example", "none"));
  EXPECT_EQ(ask(s, "u@softfail.example"),
            "550 5.7.23 Message rejected due to: domain owner discourages use of this host. "
            "Please see https://www.rfc-editor.org/rfc/rfc7208#section-8.5");
  EXPECT_EQ(ask(s, "u@perm.example").rfind("550 5.7.24 Message rejected due to: SPF Permanent Error: ", 0), 0u);
  EXPECT_EQ(ask(s, "u@temp.example").rfind("defer_if_permit 4.7.24 Message deferred due to: SPF Temporary Error: ", 0),
            0u);
  EXPECT_EQ(ask(s, "", "pass.example"),
            "prepend Authentication-Results: mx.dest.example; spf=pass (sender SPF authorized) "
            "smtp.helo=pass.example (client-ip=192.0.2.1; helo=pass.example; envelope-from=<>; "
            "receiver=dest.example)");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "127.0.0.1"),
            "prepend Authentication-Results: mx.dest.example; none (SPF check N/A for local "
            "connections -  client-ip=127.0.0.1; helo=mx.none.example; envelope-from=u@pass.example; "
            "receiver=dest.example)");
}

TEST_F(SpfServiceTest, OptionVariantsMatchPolicydSpf) {
  const std::string ar(kArConf);
  EXPECT_EQ(ask(settings(ar + "SPF_Enhanced_Status_Codes = No\n"), "u@softfail.example")
                .rfind("550 Message rejected due to: ", 0),
            0u);
  EXPECT_EQ(ask(settings(ar + "SPF_Enhanced_Status_Codes = No\n"), "u@temp.example")
                .rfind("defer_if_permit Message deferred due to: ", 0),
            0u);
  EXPECT_EQ(ask(settings("TestOnly = 0\n"), "u@fail.example"), "dunno");
  EXPECT_EQ(ask(settings("TestOnly = 0\n"), "u@pass.example").rfind("prepend Received-SPF: Pass", 0), 0u);
  EXPECT_EQ(ask(settings("Prospective = 192.0.2.1\n"), "u@pass.example"), "dunno");
  EXPECT_EQ(ask(settings("Header_Type = None\n"), "u@pass.example"), "dunno");
  EXPECT_EQ(ask(settings("Mail_From_pass_restriction = spf_ok\n"), "u@pass.example"), "spf_ok");
  EXPECT_EQ(ask(settings("HELO_pass_restriction = helo_ok\n"), "", "pass.example"), "helo_ok");
  EXPECT_EQ(
      ask(settings("Mail_From_reject = False\n"), "u@fail.example").rfind("prepend Received-SPF: Fail (mailfrom)", 0),
      0u);
  EXPECT_EQ(ask(settings("Mail_From_reject = SPF_Not_Pass\n"), "u@neutral.example")
                .rfind("550 5.7.23 Message rejected due to: access neither", 0),
            0u);
  EXPECT_EQ(ask(settings("Mail_From_reject = No_Check\nHELO_reject = No_Check\n"), "u@fail.example"), "dunno");
  EXPECT_EQ(ask(settings("HELO_reject = Null\n"), "u@pass.example", "fail.example")
                .rfind("prepend Received-SPF: Pass (mailfrom)", 0),
            0u);
  EXPECT_EQ(ask(settings("HELO_reject = Null\n"), "", "fail.example").rfind("550 5.7.23", 0), 0u);
  EXPECT_EQ(ask(settings("Hide_Receiver = Yes\n"), "u@pass.example").find("receiver=<UNKNOWN> "),
            ask(settings("Hide_Receiver = Yes\n"), "u@pass.example").size() - 19);
  EXPECT_EQ(ask(settings("Reason_Message = Bounce: {spf} {rejectdefer} {other}\n"), "u@fail.example"),
            "550 5.7.23 Bounce: SPF fail - not authorized rejected {other}");
  EXPECT_EQ(ask(settings(kDefaultConf), "u@exp.example"),
            "550 5.7.23 Message rejected due to: Go away 192.0.2.1. Please see " + kUrlFail);
}

TEST_F(SpfServiceTest, ListOptions) {
  EXPECT_EQ(ask(settings("Reject_Not_Pass_Domains = neutral.example\n"), "u@neutral.example"),
            "550 5.7.23 Message rejected due to: Receiver policy for SPF Neutral. Please see "
            "https://www.rfc-editor.org/rfc/rfc7208#section-8.2");
  EXPECT_EQ(ask(settings("Whitelist = 192.0.2.0/24\n"), "u@fail.example")
                .rfind("prepend X-Comment: SPF skipped for whitelisted relay - client-ip=192.0.2.1;", 0),
            0u);
  EXPECT_EQ(ask(settings("Domain_Whitelist = pass.example\n"), "u@fail.example")
                .rfind("prepend X-Comment: SPF skipped for whitelisted relay domain - ", 0),
            0u);
  zone_.add("helo.white.example", RrType::a, "192.0.2.1");
  EXPECT_EQ(ask(settings("HELO_Whitelist = helo.white.example\n"), "u@fail.example", "helo.white.example")
                .rfind("prepend X-Comment: SPF skipped for whitelisted HELO domain - ", 0),
            0u);
  zone_.add("1.2.0.192.in-addr.arpa", RrType::ptr, "mail.white.example");
  EXPECT_EQ(ask(settings("Domain_Whitelist_PTR = white.example\n"), "u@fail.example")
                .rfind("prepend X-Comment: SPF skipped for PTR whitelisted relay domain - ", 0),
            0u);
  // Label boundary: "hite.example" must not match mail.white.example.
  EXPECT_EQ(ask(settings("Domain_Whitelist_PTR = hite.example\n"), "u@fail.example").rfind("550", 0), 0u);
  zone_.add_txt("nomail.example", {"v=spf1 -all"});
  zone_.add_txt("strict.example", {"v=spf1 ip4:10.0.0.1 -all"});
  EXPECT_EQ(ask(settings("No_Mail = True\n"), "u@nomail.example").rfind("550 5.7.23", 0), 0u);
  EXPECT_EQ(ask(settings("No_Mail = True\n"), "u@strict.example").rfind("prepend Received-SPF: Fail", 0), 0u);
}

TEST_F(SpfServiceTest, HeaderTypeBothPrependsTheSecondHeaderOnTheNextRequest) {
  const Settings s = settings("Header_Type = Both\nAuthserv_Id = mx.dest.example\n");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "192.0.2.1", "b1").rfind("prepend Received-SPF: Pass", 0), 0u);
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "192.0.2.1", "b1")
                .rfind("prepend Authentication-Results: mx.dest.example; spf=pass", 0),
            0u);
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "192.0.2.1", "b1"), "dunno");
}

TEST_F(SpfServiceTest, BadInput) {
  const Settings s = settings(kDefaultConf);
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", ""), "dunno");
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "not-an-ip").rfind("ERROR", 0), 0u);
  EXPECT_EQ(ask(s, "", ""), "dunno");
  // IPv6 and IPv4-mapped clients.
  EXPECT_EQ(ask(s, "u@pass.example", "mx.none.example", "2001:DB8::1"),
            rspf("Pass", "mailfrom", "mailfrom", "mx.none.example", "u@pass.example", "2001:db8::1"));
  EXPECT_EQ(
      ask(s, "u@pass.example", "mx.none.example", "::ffff:192.0.2.1").rfind("prepend Received-SPF: Pass (mailfrom)", 0),
      0u);
  // 8-bit and SMTPUTF8 senders: the reply stays valid UTF-8.
  const std::string utf8 = ask(s, "j\xC3\xBCrgen@pass.example");
  EXPECT_TRUE(policy::is_valid_utf8(utf8)) << utf8;
  const std::string raw8 = ask(s, "j\xFCrgen@pass.example");
  EXPECT_TRUE(policy::is_valid_utf8(raw8)) << raw8;
  // Upper case is lowered as policyd-spf does.
  EXPECT_EQ(ask(s, "U@PASS.example", "MX.None.Example"),
            rspf("Pass", "mailfrom", "mailfrom", "mx.none.example", "u@pass.example"));
}

TEST_F(SpfServiceTest, DnsTimeoutNeverPasses) {
  zone_.add_txt("timeout.example", {"v=spf1 +all"});
  zone_.set_timeout("timeout.example");
  const Settings s = settings(kArConf);
  EXPECT_EQ(ask(s, "u@timeout.example").rfind("defer_if_permit 4.7.24", 0), 0u);
  EXPECT_EQ(ask(settings(kDefaultConf), "u@timeout.example").rfind("prepend Received-SPF: Temperror", 0), 0u);
}

TEST_F(SpfServiceTest, HandleLogsOneLineAndMockAnswers) {
  auto s = std::make_shared<const Settings>(settings(kDefaultConf));
  SpfService svc(
      zone_, logger_, [s] { return s; }, "mx.dest.example");
  policy::Request r{{"request", "smtpd_access_policy"}, {"sender", "u@fail.example"}, {"helo_name", "mx.none.example"},
                    {"client_address", "192.0.2.1"},    {"instance", "h1"},           {"queue_id", "ABC123"}};
  auto got = svc.handle(r, policy::ConnectionInfo{1, "stdin"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->rfind("550 5.7.23", 0), 0u);
  EXPECT_TRUE(logger_.contains("spf.request qid=ABC123 identity=mailfrom ip=192.0.2.1 result=fail"))
      << (logger_.lines().empty() ? "" : logger_.lines().back());
  auto mock = std::make_shared<const Settings>(settings("Mock = True\n"));
  SpfService msvc(
      zone_, logger_, [mock] { return mock; }, "x");
  EXPECT_EQ(*msvc.handle(r, policy::ConnectionInfo{1, "stdin"}), kMockAction);
  SpfService bad(
      zone_, logger_, [s] { return s; }, "x");
  policy::Request g{{"client_address", "999.1.1.1"}, {"sender", "u@x.example"}};
  EXPECT_FALSE(bad.handle(g, policy::ConnectionInfo{1, "stdin"}).has_value());
}

}  // namespace
}  // namespace cachet::spfd
