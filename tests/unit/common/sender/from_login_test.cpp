// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/sender/from_login_test.cpp: the header From/Sender bound to the SASL
// login: a decision table (login x From/Sender x map answer x policy -> action, verdict,
// reply), multi-address From, groups, encoded words, malformed fields (never signed for
// the wrong owner under an enforcing policy), and the same decision through the real maps
// loaded from the classic guide's sendas.pcre (case-insensitive owners, aliases).
#include "common/sender/from_login.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
#include "common/sender/login_maps.hpp"
#include "tests/lib/memory_files.hpp"

namespace cachet::sender {
namespace {

using A = FromAction;
using V = FromVerdict;
using P = MismatchPolicy;

// The classic guide's relation, in memory: <x>@example.test is owned by x, postmaster by
// alice, team (an alias) by alice and bob; other.test is not in the map; two addresses
// make the lookup fail.
Result<std::vector<Owners>> guide_lookup(std::string_view address, int* calls) {
  ++*calls;
  const std::string a = to_lower(address);
  if (a == "temp@example.test") return fail(Errc::temporary, "pcre2 match limit");
  if (a == "conf@example.test") return fail(Errc::config, "empty string result is not allowed");
  if (a == "postmaster@example.test") return std::vector<Owners>{{"alice", "sendas.pcre:1", ""}};
  if (a == "team@example.test") return std::vector<Owners>{{"alice, bob", "aliases:3", ""}};
  const std::string suffix = "@example.test";
  if (a.size() > suffix.size() && a.ends_with(suffix))
    return std::vector<Owners>{{a.substr(0, a.size() - suffix.size()), "sendas.pcre:2", ""}};
  return std::vector<Owners>{};
}

struct Row {
  std::string_view name;
  std::string_view login;
  std::vector<std::string_view> from;
  std::vector<std::string_view> sender;
  A on_login = A::sign;     // FromLoginMismatch
  A on_no_login = A::sign;  // InternalFromMismatch
  P variant = P::all;
  A want_action = A::sign;
  V want_verdict = V::owned;
  std::string_view want_reply = "";  // "code xcode text" for reject/tempfail
  std::string_view want_address = "";
};

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name; }

class DecideFrom : public ::testing::TestWithParam<Row> {};

TEST_P(DecideFrom, GivesTheActionAndReason) {
  const Row& r = GetParam();
  int calls = 0;
  const FromPolicy policy{r.variant, r.on_login, r.on_no_login};
  const FromDecision got = decide_from(policy, HeaderFacts{r.login, r.from, r.sender, {}, {}, {}},
                                       [&calls](std::string_view a) { return guide_lookup(a, &calls); });
  EXPECT_EQ(to_string(got.action), to_string(r.want_action)) << r.name << " why=" << got.why;
  EXPECT_EQ(to_string(got.verdict), to_string(r.want_verdict)) << r.name << " why=" << got.why;
  const std::string reply = got.code.empty() ? "" : got.code + " " + got.xcode + " " + got.text;
  EXPECT_EQ(reply, r.want_reply) << r.name;
  if (!r.want_address.empty()) {
    EXPECT_EQ(got.address, r.want_address) << r.name;
  }
  // Never a sign for a refused header under an enforcing policy.
  if (got.verdict != V::owned && policy.enforces() && ((r.login.empty() ? r.on_no_login : r.on_login) != A::sign)) {
    EXPECT_NE(got.action, A::sign) << r.name;
  }
}

constexpr std::string_view kBobRefused =
    "550 5.7.1 <bob@example.test>: header From address rejected: not owned by user alice";

INSTANTIATE_TEST_SUITE_P(
    Table, DecideFrom,
    ::testing::Values(
        // Owned, under every policy.
        Row{"own address", "alice", {" alice@example.test"}, {}, A::reject},
        Row{"guide: postmaster is alice's", "alice", {" Postmaster <postmaster@example.test>"}, {}, A::reject},
        Row{"alias member", "bob", {" team@example.test"}, {}, A::reject},
        Row{"address case ignored", "alice", {" Alice <ALICE@Example.TEST>"}, {}, A::reject},
        Row{"login case ignored", "ALICE", {" alice@example.test"}, {}, A::reject},
        Row{"quoted local part", "alice", {" \"alice\"@example.test"}, {}, A::reject},
        Row{"folded field", "alice", {" Alice\r\n <alice@example.test>"}, {}, A::reject},
        // bob's address in alice's header, each policy.
        Row{"not owned: sign (report only)",
            "alice",
            {" bob@example.test"},
            {},
            A::sign,
            A::sign,
            P::all,
            A::sign,
            V::not_owned,
            "",
            "bob@example.test"},
        Row{"not owned: nosign",
            "alice",
            {" bob@example.test"},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::not_owned},
        Row{"not owned: reject",
            "alice",
            {" Bob <bob@example.test>"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            kBobRefused},
        Row{"InternalFromMismatch does not apply to a login",
            "alice",
            {" bob@example.test"},
            {},
            A::sign,
            A::reject,
            P::all,
            A::sign,
            V::not_owned},
        // Sender: when present, owned too.
        Row{"own From and Sender", "alice", {" team@example.test"}, {" alice@example.test"}, A::reject},
        Row{"Sender not owned",
            "alice",
            {" alice@example.test"},
            {" bob@example.test"},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            "550 5.7.1 <bob@example.test>: header Sender address rejected: not owned by user alice"},
        // Every mailbox of the From field.
        Row{"two owned mailboxes", "alice", {" alice@example.test, Post <postmaster@example.test>"}, {}, A::reject},
        Row{"second mailbox not owned",
            "alice",
            {" alice@example.test, bob@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            kBobRefused},
        Row{"group, all owned", "alice", {" Team: alice@example.test, postmaster@example.test;"}, {}, A::reject},
        Row{"group hides bob",
            "alice",
            {" Team: alice@example.test, <bob@example.test>;"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            kBobRefused},
        // Encoded words stand in display names only.
        Row{"encoded display name", "alice", {" =?utf-8?q?Alice_Sm=C3=B8rensen?= <alice@example.test>"}, {}, A::reject},
        Row{"encoded word naming alice, address bob",
            "alice",
            {" =?utf-8?q?alice=40example.test?= <bob@example.test>"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            kBobRefused},
        Row{"quoted display name with alice's address",
            "alice",
            {" \"alice@example.test\" <bob@example.test>"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            kBobRefused},
        // Not in the map: refused unless the variant is `known`.
        Row{"not in map",
            "alice",
            {" x@other.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            "550 5.7.1 <x@other.test>: header From address rejected: not owned by user alice"},
        Row{"not in map, known variant", "alice", {" x@other.test"}, {}, A::reject, A::sign, P::known},
        Row{"known variant still refuses bob",
            "alice",
            {" bob@example.test"},
            {},
            A::reject,
            A::sign,
            P::known,
            A::reject,
            V::not_owned,
            kBobRefused},
        // Lookup failures: never a sign under an enforcing policy.
        Row{"temporary failure, reject",
            "alice",
            {" temp@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::tempfail,
            V::lookup_failed,
            "451 4.3.0 Temporary lookup failure"},
        Row{"config failure, reject",
            "alice",
            {" conf@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::tempfail,
            V::lookup_failed,
            "451 4.3.5 Server configuration error"},
        Row{"failure, nosign",
            "alice",
            {" temp@example.test"},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::lookup_failed},
        Row{"failure, sign", "alice", {" temp@example.test"}, {}, A::sign, A::sign, P::all, A::sign, V::lookup_failed},
        // No login (InternalHosts, MTA, MacroList).
        Row{"no login, address with owners",
            "",
            {" alice@example.test"},
            {},
            A::sign,
            A::reject,
            P::all,
            A::reject,
            V::not_logged_in,
            "550 5.7.1 <alice@example.test>: header From address rejected: not logged in"},
        Row{"no login, default sign",
            "",
            {" alice@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::sign,
            V::not_logged_in},
        Row{"no login, nosign",
            "",
            {" alice@example.test"},
            {},
            A::sign,
            A::nosign,
            P::all,
            A::nosign,
            V::not_logged_in},
        Row{"no login, not in map", "", {" x@other.test"}, {}, A::reject, A::reject},
        Row{"no login, authenticated-only variant",
            "",
            {" alice@example.test"},
            {},
            A::reject,
            A::reject,
            P::authenticated},
        Row{"login, unauthenticated-only variant",
            "alice",
            {" bob@example.test"},
            {},
            A::reject,
            A::reject,
            P::unauthenticated},
        // Malformed: the mismatch action of the client's class.
        Row{"no From field",
            "alice",
            {},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::malformed,
            "550 5.7.1 header From field rejected: no From field"},
        Row{"two From fields",
            "alice",
            {" alice@example.test", " bob@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::malformed,
            "550 5.7.1 header From field rejected: more than one From field"},
        Row{"two Sender fields",
            "alice",
            {" alice@example.test"},
            {" alice@example.test", " alice@example.test"},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"empty From", "alice", {" "}, {}, A::nosign, A::sign, P::all, A::nosign, V::malformed},
        Row{"From without a domain", "alice", {" alice"}, {}, A::nosign, A::sign, P::all, A::nosign, V::malformed},
        Row{"empty group",
            "alice",
            {" undisclosed-recipients:;"},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"one good, one without domain",
            "alice",
            {" alice@example.test, bob"},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"unterminated quote",
            "alice",
            {" \"alice <alice@example.test>"},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"domain literal", "alice", {" alice@[192.0.2.1]"}, {}, A::nosign, A::sign, P::all, A::nosign, V::malformed},
        Row{"NUL byte",
            "alice",
            {std::string_view(" alice@example.test\0x", 21)},
            {},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"malformed Sender",
            "alice",
            {" alice@example.test"},
            {" nobody"},
            A::nosign,
            A::sign,
            P::all,
            A::nosign,
            V::malformed},
        Row{"malformed, sign (report only)", "alice", {" alice"}, {}, A::sign, A::sign, P::all, A::sign, V::malformed},
        Row{"malformed, no login",
            "",
            {" alice"},
            {},
            A::sign,
            A::reject,
            P::all,
            A::reject,
            V::malformed,
            "550 5.7.1 header From field rejected: From field cannot be parsed: From element "
            "without a domain"},
        // The reply never carries control bytes from the login.
        Row{"login with CR LF",
            "eve\r\nX",
            {" bob@example.test"},
            {},
            A::reject,
            A::sign,
            P::all,
            A::reject,
            V::not_owned,
            "550 5.7.1 <bob@example.test>: header From address rejected: not owned by user eve??X"}),
    [](const ::testing::TestParamInfo<Row>& info) {
      std::string n;
      for (const char c : info.param.name) n += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return n;
    });

TEST(DecideFrom, LooksEachDistinctAddressUpOnce) {
  int calls = 0;
  const FromDecision got = decide_from(FromPolicy{P::all, A::reject, A::reject},
                                       HeaderFacts{"alice",
                                                   {" alice@example.test, postmaster@example.test, alice@example.test"},
                                                   {" alice@example.test"},
                                                   {},
                                                   {},
                                                   {}},
                                       [&calls](std::string_view a) { return guide_lookup(a, &calls); });
  EXPECT_EQ(got.action, A::sign);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(got.addresses, (std::vector<std::string>{"alice@example.test", "postmaster@example.test"}));
}

TEST(DecideFrom, StopsAtTheFirstRefusedAddress) {
  int calls = 0;
  const FromDecision got = decide_from(FromPolicy{P::all, A::nosign, A::sign},
                                       HeaderFacts{"alice", {" bob@example.test, carol@example.test"}, {}, {}, {}, {}},
                                       [&calls](std::string_view a) { return guide_lookup(a, &calls); });
  EXPECT_EQ(got.action, A::nosign);
  EXPECT_EQ(got.address, "bob@example.test");
  EXPECT_EQ(got.owners, "bob");
  EXPECT_EQ(got.rule, "sendas.pcre:2");
  EXPECT_EQ(calls, 1);
}

// The signer's own reading of the address it picks its key by is checked as well: a
// field the strict parser reads as alice's but the signer as someone else's is refused.
TEST(DecideFrom, ChecksTheSignersAddressToo) {
  int calls = 0;
  const OwnerLookup lookup = [&calls](std::string_view a) { return guide_lookup(a, &calls); };
  const FromPolicy reject{P::all, A::reject, A::sign};
  HeaderFacts facts{"alice", {" alice@example.test \\@example.test"}, {}, "From", "ceo", "example.test"};
  FromDecision got = decide_from(reject, facts, lookup);
  EXPECT_EQ(got.action, A::reject);
  EXPECT_EQ(got.address, "ceo@example.test");
  EXPECT_EQ(got.text, "<ceo@example.test>: header From address rejected: not owned by user alice");
  // The same address as the strict reader's: one lookup, signed.
  calls = 0;
  facts = HeaderFacts{"alice", {" Alice <alice@example.test>"}, {}, "From", "Alice", "Example.Test"};
  EXPECT_EQ(decide_from(reject, facts, lookup).action, A::sign);
  EXPECT_EQ(calls, 1);
  // A quoted local part is the same mailbox.
  facts.key_local_part = "\"alice\"";
  EXPECT_EQ(decide_from(reject, facts, lookup).action, A::sign);
  // SenderHeaders naming another field: that field's address is checked under its name.
  facts = HeaderFacts{"alice", {" alice@example.test"}, {}, "X-Sender", "bob", "example.test"};
  got = decide_from(reject, facts, lookup);
  EXPECT_EQ(got.field, "X-Sender");
  EXPECT_EQ(got.action, A::reject);
  // No local part: malformed.
  facts = HeaderFacts{"alice", {" alice@example.test"}, {}, "From", "", "example.test"};
  got = decide_from(reject, facts, lookup);
  EXPECT_EQ(got.verdict, V::malformed);
  EXPECT_EQ(got.action, A::reject);
}

TEST(FromAction, ParsesTheThreeChoicesOnly) {
  EXPECT_EQ(parse_from_action("sign"), A::sign);
  EXPECT_EQ(parse_from_action(" NoSign "), A::nosign);
  EXPECT_EQ(parse_from_action("reject"), A::reject);
  EXPECT_EQ(parse_from_action("tempfail"), std::nullopt);
  EXPECT_EQ(parse_from_action(""), std::nullopt);
}

TEST(LookupAddress, UnquotesTheLocalPart) {
  EXPECT_EQ(lookup_address("alice", "example.test"), "alice@example.test");
  EXPECT_EQ(lookup_address("\"alice\"", "example.test"), "alice@example.test");
  EXPECT_EQ(lookup_address("\"a\\\"b\"", "example.test"), "a\"b@example.test");
  EXPECT_EQ(lookup_address("", "example.test"), std::nullopt);
  EXPECT_EQ(lookup_address("\"\"", "example.test"), std::nullopt);
}

// The same decision through the maps cachet-sender and cachet-dkim load: the classic
// guide's sendas.pcre from main.cf, and an aliases file.
TEST(DecideFrom, ThroughTheGuideMaps) {
  const tables::FileReader reader =
      testlib::memory_files({{"/m/main.cf",
                              "myhostname = mail.example.test\nmydomain = example.test\nmyorigin = $mydomain\n"
                              "smtpd_sender_login_maps = pcre:/m/sendas.pcre\n"},
                             {"/m/sendas.pcre", "/^postmaster@example\\.test$/ alice\n/^(.+)@example\\.test$/ ${1}\n"},
                             {"/m/aliases", "team: alice, bob@example.test\n"}});
  MapsSettings s;
  s.main_cf = "/m/main.cf";
  s.system_hostname = "host.invalid";
  s.alias_files = {"/m/aliases"};
  s.allow_alias_owners = true;
  std::vector<std::string> warnings;
  auto maps = SenderMaps::load(s, reader, warnings);
  ASSERT_TRUE(maps.has_value()) << maps.error().detail;
  const OwnerLookup lookup = [&maps](std::string_view a) { return (*maps)->lookup(a); };
  const FromPolicy reject{P::all, A::reject, A::reject};
  auto action = [&](std::string_view login, std::string_view from) {
    return std::string(to_string(decide_from(reject, HeaderFacts{login, {from}, {}, {}, {}, {}}, lookup).action));
  };
  EXPECT_EQ(action("alice", " Alice <alice@example.test>"), "sign");
  EXPECT_EQ(action("alice", " postmaster@example.test"), "sign");
  EXPECT_EQ(action("Alice", " ALICE@EXAMPLE.TEST"), "sign");
  EXPECT_EQ(action("bob", " team@example.test"), "sign");  // alias member bob@example.test
  EXPECT_EQ(action("alice", " bob@example.test"), "reject");
  EXPECT_EQ(action("bob", " postmaster@example.test"), "reject");
  EXPECT_EQ(action("alice", " ceo@example.test"), "reject");
  EXPECT_EQ(action("", " alice@example.test"), "reject");
}

}  // namespace
}  // namespace cachet::sender
