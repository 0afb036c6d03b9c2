// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/sender/login_check_test.cpp: the reject_*_sender_login_mismatch
// decision, row by row for every policy, login state and lookup outcome (smtpd_check.c).
#include "common/sender/login_check.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cachet::sender {
namespace {

using P = MismatchPolicy;
using V = Verdict;

enum class Map { none, owned_by_alice, owned_by_others, temp_error, config_error };

OwnerLookup fake(Map m, int* calls) {
  return [m, calls](std::string_view) -> Result<std::vector<Owners>> {
    ++*calls;
    switch (m) {
      case Map::none: return std::vector<Owners>{};
      case Map::owned_by_alice: return std::vector<Owners>{{"carol, ALICE", "sendas.pcre:3", "/x/ carol, alice"}};
      case Map::owned_by_others: return std::vector<Owners>{{"carol dave", "sendas.pcre:5", ""}};
      case Map::temp_error: return fail(Errc::temporary, "pcre2 match limit");
      case Map::config_error: return fail(Errc::config, "empty string result is not allowed");
    }
    return std::vector<Owners>{};
  };
}

struct Row {
  std::string_view name;
  P policy;
  std::string_view sender, login;
  Map map;
  V want;
  std::string_view want_action;
  bool want_lookup;
};

// The policy actions; smtpd adds "<sender>: Sender address rejected: " (see ClientReply).
constexpr std::string_view kNotOwned = "553 5.7.1 not owned by user alice";
constexpr std::string_view kNotLoggedIn = "553 5.7.1 not logged in";
constexpr std::string_view kTemp = "DEFER_IF_PERMIT 4.3.0 Temporary lookup failure";
constexpr std::string_view kConf = "DEFER_IF_PERMIT 4.3.5 Server configuration error";

class Decide : public ::testing::TestWithParam<Row> {};

TEST_P(Decide, MatchesPostfix) {
  const Row& r = GetParam();
  int calls = 0;
  const Decision got =
      decide(r.policy, TableErrorAction::defer_if_permit, LoginFacts{r.sender, r.login}, fake(r.map, &calls));
  EXPECT_EQ(got.verdict, r.want) << r.name;
  EXPECT_EQ(got.action, r.want_action) << r.name;
  EXPECT_EQ(calls, r.want_lookup ? 1 : 0) << r.name;
}

constexpr std::string_view kBob = "bob@example.test";

INSTANTIATE_TEST_SUITE_P(
    Policies, Decide,
    ::testing::Values(
        // reject_sender_login_mismatch: both checks.
        Row{"all: null sender", P::all, "", "alice", Map::owned_by_others, V::allowed, "DUNNO", false},
        Row{"all: owner", P::all, kBob, "alice", Map::owned_by_alice, V::allowed, "DUNNO", true},
        Row{"all: owner other case", P::all, kBob, "Alice", Map::owned_by_alice, V::allowed, "DUNNO", true},
        Row{"all: not owner", P::all, kBob, "alice", Map::owned_by_others, V::not_owned, kNotOwned, true},
        Row{"all: unknown, logged in", P::all, kBob, "alice", Map::none, V::not_owned, kNotOwned, true},
        Row{"all: unknown, anonymous", P::all, kBob, "", Map::none, V::allowed, "DUNNO", true},
        Row{"all: known, anonymous", P::all, kBob, "", Map::owned_by_others, V::not_logged_in, kNotLoggedIn, true},
        Row{"all: temp error", P::all, kBob, "alice", Map::temp_error, V::lookup_failed, kTemp, true},
        Row{"all: config error", P::all, kBob, "", Map::config_error, V::lookup_failed, kConf, true},
        // reject_authenticated_sender_login_mismatch: logged-in clients only.
        Row{"auth: owner", P::authenticated, kBob, "alice", Map::owned_by_alice, V::allowed, "DUNNO", true},
        Row{"auth: not owner", P::authenticated, kBob, "alice", Map::owned_by_others, V::not_owned, kNotOwned, true},
        Row{"auth: unknown", P::authenticated, kBob, "alice", Map::none, V::not_owned, kNotOwned, true},
        Row{"auth: anonymous unchecked", P::authenticated, kBob, "", Map::owned_by_others, V::allowed, "DUNNO", false},
        Row{"auth: temp error", P::authenticated, kBob, "alice", Map::temp_error, V::lookup_failed, kTemp, true},
        // reject_unauthenticated_sender_login_mismatch: anonymous clients only.
        Row{"unauth: logged in unchecked", P::unauthenticated, kBob, "alice", Map::owned_by_others, V::allowed, "DUNNO",
            false},
        Row{"unauth: known", P::unauthenticated, kBob, "", Map::owned_by_others, V::not_logged_in, kNotLoggedIn, true},
        Row{"unauth: unknown", P::unauthenticated, kBob, "", Map::none, V::allowed, "DUNNO", true},
        Row{"unauth: temp error", P::unauthenticated, kBob, "", Map::temp_error, V::lookup_failed, kTemp, true},
        // reject_known_sender_login_mismatch: unknown addresses are free for logged-in users.
        Row{"known: owner", P::known, kBob, "alice", Map::owned_by_alice, V::allowed, "DUNNO", true},
        Row{"known: not owner", P::known, kBob, "alice", Map::owned_by_others, V::not_owned, kNotOwned, true},
        Row{"known: unknown logged in", P::known, kBob, "alice", Map::none, V::allowed, "DUNNO", true},
        Row{"known: known anonymous", P::known, kBob, "", Map::owned_by_others, V::not_logged_in, kNotLoggedIn, true},
        Row{"known: unknown anonymous", P::known, kBob, "", Map::none, V::allowed, "DUNNO", true},
        Row{"known: temp error", P::known, kBob, "alice", Map::temp_error, V::lookup_failed, kTemp, true}),
    [](const auto& info) {
      std::string n(info.param.name);
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

TEST(Decide, DeferActionIsPostfixsOwnReply) {
  int calls = 0;
  const Decision d = decide(P::all, TableErrorAction::defer, LoginFacts{kBob, "alice"}, fake(Map::temp_error, &calls));
  EXPECT_EQ(d.action, "451 4.3.0 Temporary lookup failure");
  EXPECT_EQ(client_reply(d, kBob), "451 4.3.0 <bob@example.test>: Sender address rejected: Temporary lookup failure");
}

// What the SMTP client finally reads: Postfix's own texts (smtpd_check.c), byte for byte.
TEST(ClientReply, IsPostfixsReply) {
  int calls = 0;
  const auto reply = [&](P p, std::string_view login, Map m) {
    return client_reply(decide(p, TableErrorAction::defer_if_permit, LoginFacts{kBob, login}, fake(m, &calls)), kBob);
  };
  EXPECT_EQ(reply(P::all, "alice", Map::owned_by_others),
            "553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice");
  EXPECT_EQ(reply(P::all, "", Map::owned_by_others),
            "553 5.7.1 <bob@example.test>: Sender address rejected: not logged in");
  EXPECT_EQ(reply(P::all, "alice", Map::temp_error),
            "450 4.3.0 <bob@example.test>: Sender address rejected: Temporary lookup failure");
  EXPECT_EQ(reply(P::all, "alice", Map::owned_by_alice), "");
}

TEST(Decide, ReportsTheRuleThatGranted) {
  const OwnerLookup two = [](std::string_view) -> Result<std::vector<Owners>> {
    return std::vector<Owners>{{"postmaster", "sendas.pcre:3", ""}, {"alice", "aliases:2", ""}};
  };
  const Decision d = decide(P::all, TableErrorAction::defer, LoginFacts{kBob, "alice"}, two);
  EXPECT_EQ(d.verdict, V::allowed);
  EXPECT_EQ(d.rule, "aliases:2");
  const Decision refused = decide(P::all, TableErrorAction::defer, LoginFacts{kBob, "eve"}, two);
  EXPECT_EQ(refused.rule, "sendas.pcre:3");
}

TEST(Decide, ReplyNeverCarriesControlOrInvalidBytes) {
  int calls = 0;
  const Decision d =
      decide(P::all, TableErrorAction::defer, LoginFacts{"a\r\xff@x", "al\x01ice"}, fake(Map::none, &calls));
  EXPECT_EQ(d.action, "553 5.7.1 not owned by user al?ice");
  EXPECT_EQ(client_reply(d, "a\r\xff@x"), "553 5.7.1 <a??@x>: Sender address rejected: not owned by user al?ice");
}

struct OwnerRow {
  std::string_view owners, login;
  bool want;
};

TEST(IsOwner, SplitsOnCommasAndWhitespace) {
  const OwnerRow rows[] = {
      {"alice", "alice", true},
      {"alice", "ALICE", true},
      {"bob,alice", "alice", true},
      {"bob , \talice ,", "alice", true},
      {"bob alice", "alice", true},
      {"alicex", "alice", false},
      {"xalice", "alice", false},
      {"", "alice", false},
      {"alice", "", false},
      {",,,", "alice", false},
      {"alice@example.test", "alice", false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(is_owner(r.owners, r.login), r.want) << "'" << r.owners << "' vs '" << r.login << "'";
}

TEST(MismatchPolicyNames, RoundTrip) {
  for (P p : {P::all, P::authenticated, P::unauthenticated, P::known})
    EXPECT_EQ(parse_mismatch_policy(to_string(p)), p);
  EXPECT_EQ(parse_mismatch_policy("REJECT_SENDER_LOGIN_MISMATCH"), P::all);
  EXPECT_FALSE(parse_mismatch_policy("permit").has_value());
  EXPECT_EQ(parse_table_error_action("defer"), TableErrorAction::defer);
  EXPECT_FALSE(parse_table_error_action("permit").has_value());
}

}  // namespace
}  // namespace cachet::sender
