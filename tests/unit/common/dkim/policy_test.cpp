// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/policy_test.cpp: sender parsing, signing decisions, key choice
// and the On-* reply table (opendkim's codes and texts, peers.md s2.2).
#include "common/dkim/policy.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet::dkim;
using cachet::config::Action;

struct SenderCase {
  const char* value;
  bool want_ok;
  const char* local;
  const char* domain;
};
class SenderRows : public ::testing::TestWithParam<SenderCase> {};
TEST_P(SenderRows, Parses) {
  const auto& c = GetParam();
  const auto got = parse_sender(c.value);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.value;
  if (!got) return;
  EXPECT_EQ(got->local, c.local);
  EXPECT_EQ(got->domain, c.domain);
}
INSTANTIATE_TEST_SUITE_P(
    Rows, SenderRows,
    ::testing::Values(SenderCase{" alice@Example.COM", true, "alice", "example.com"},
                      SenderCase{" \"Alice, A\" <alice@example.com>", true, "alice", "example.com"},
                      SenderCase{" Alice <alice@example.com> (comment)", true, "alice", "example.com"},
                      SenderCase{" (c) alice@example.com", true, "alice", "example.com"}, SenderCase{"", false, "", ""},
                      SenderCase{" no address", false, "", ""},
                      SenderCase{" <alice@victim.example(.attacker.example>", false, "", ""},
                      SenderCase{" a@exa\xc3\xa9mple.com", false, "", ""},
                      SenderCase{" <broken@example.com", false, "", ""}));

SigningPolicy table_state(bool refile, bool multiple) {
  SigningPolicy st;
  auto rsa = std::make_shared<const cachet::crypto::PrivateKey>(
      *cachet::crypto::PrivateKey::generate(cachet::crypto::KeyType::ed25519, 0));
  st.keys.push_back({"rsa", "%", "r1", rsa, cachet::dkim::Algorithm::ed25519_sha256});
  st.keys.push_back({"ed", "example.com", "e1", rsa, cachet::dkim::Algorithm::ed25519_sha256});
  std::vector<cachet::config::DatasetEntry> rows = {
      {refile ? "*@example.com" : "example.com", "rsa", 1},
      {refile ? "*@example.com" : "example.com", "ed:alice@%", 2},
  };
  st.signing_table = cachet::config::Dataset(rows, refile, "test");
  st.multiple_signatures = multiple;
  return st;
}

TEST(ChooseKeys, RefileFirstMatchOrAll) {
  const Sender s{"alice", "example.com"};
  const SigningPolicy first = table_state(true, false);  // requests point into the state
  auto one = choose_keys(first, s);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].domain, "example.com");
  const SigningPolicy dual = table_state(true, true);
  auto two = choose_keys(dual, s);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1].identity, "alice@example.com");
  EXPECT_TRUE(choose_keys(dual, Sender{"bob", "other.example"}).empty());
}

TEST(ChooseKeys, PlainTableUsesDomainKey) {
  const SigningPolicy st = table_state(false, false);
  auto got = choose_keys(st, Sender{"bob", "example.com"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key->selector, "r1");
}

TEST(ChooseKeys, SingleKeyModeWithSubDomains) {
  SigningPolicy st;
  st.single_key = true;
  st.keys.push_back({"", "%", "default", nullptr, cachet::dkim::Algorithm::rsa_sha256});
  st.domains = cachet::config::dataset_from_items({"example.com"});
  EXPECT_EQ(choose_keys(st, Sender{"a", "example.com"}).size(), 1u);
  EXPECT_TRUE(choose_keys(st, Sender{"a", "sub.example.com"}).empty());
  st.subdomains = true;
  auto got = choose_keys(st, Sender{"a", "sub.example.com"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].domain, "example.com");
}

TEST(IsOriginating, InternalAuthMacroListAndMta) {
  SigningPolicy st;
  st.macro_list.push_back({"{daemon_name}", {"ORIGINATING"}});
  ClientFacts f;
  EXPECT_FALSE(is_originating(st, f));
  f.auth_authen = "alice";
  EXPECT_TRUE(is_originating(st, f));
  f.auth_authen.reset();
  f.macro_values = {std::string("originating")};
  EXPECT_TRUE(is_originating(st, f));
  f.macro_values = {std::string("smtpd")};
  EXPECT_FALSE(is_originating(st, f));
  f.is_internal = true;
  EXPECT_TRUE(is_originating(st, f));
}

struct OutcomeCase {
  Situation situation;
  Action action;
  const char* code;
  const char* xcode;
  const char* text;
};
class OutcomeRows : public ::testing::TestWithParam<OutcomeCase> {};
TEST_P(OutcomeRows, MatchesOpendkim) {
  const auto& c = GetParam();
  Actions a;
  a.bad_signature = a.no_signature = a.key_not_found = a.dns_error = a.internal_error = a.signature_error = a.security =
      c.action;
  const Outcome o = outcome_for(a, c.situation);
  EXPECT_EQ(o.code, c.code);
  EXPECT_EQ(o.xcode, c.xcode);
  EXPECT_EQ(o.text, c.text);
}
INSTANTIATE_TEST_SUITE_P(
    Rows, OutcomeRows,
    ::testing::Values(
        OutcomeCase{Situation::bad_signature, Action::reject, "550", "5.7.0", "bad DKIM signature data"},
        OutcomeCase{Situation::bad_signature, Action::tempfail, "451", "4.7.0", "bad DKIM signature data"},
        OutcomeCase{Situation::no_signature, Action::reject, "550", "5.7.0", "no DKIM signature data"},
        OutcomeCase{Situation::no_signature, Action::tempfail, "451", "4.7.0", "no DKIM signature data"},
        OutcomeCase{Situation::key_not_found, Action::reject, "550", "5.7.0", "DKIM key retrieval failed"},
        OutcomeCase{Situation::dns_error, Action::tempfail, "451", "4.7.5", "DKIM key retrieval failed"},
        OutcomeCase{Situation::syntax_error, Action::reject, "550", "5.7.0", "DKIM signature syntax error"},
        OutcomeCase{Situation::signature_error, Action::reject, "550", "5.7.0", "DKIM signing error"},
        OutcomeCase{Situation::internal_error, Action::tempfail, "451", "4.7.0", "internal DKIM error"},
        OutcomeCase{Situation::bad_signature, Action::accept, "", "", ""}));

TEST(Classify, NeverPassOnError) {
  using cachet::dkim::SignatureResult;
  using cachet::dkim::VerifyResult;
  EXPECT_EQ(classify({}), Situation::no_signature);
  SignatureResult tmp{
      VerifyResult::temperror, "key query failed", "example.com", "@example.com", "s", "rsa-sha256", "x", 0, false};
  EXPECT_EQ(classify({tmp}), Situation::dns_error);
  SignatureResult ok = tmp;
  ok.result = VerifyResult::pass;
  EXPECT_EQ(classify({tmp, ok}), std::nullopt);
  SignatureResult nokey = tmp;
  nokey.result = VerifyResult::permerror;
  nokey.reason = "no key for signature";
  EXPECT_EQ(classify({nokey}), Situation::key_not_found);
}

TEST(Classify, MustBeSignedFailureTakesNoActionLikeOpendkim) {
  using cachet::dkim::SignatureResult;
  using cachet::dkim::VerifyResult;
  // opendkim: dkim=fail in the A-R, but CANTVRFY applies no On-* action, and the
  // unprotected signature is the one libopendkim reports, so other signatures decide nothing.
  SignatureResult mbs{VerifyResult::fail,
                      std::string(cachet::dkim::kUnprotectedReason),
                      "example.com",
                      "@example.com",
                      "s",
                      "rsa-sha256",
                      "x",
                      2048,
                      false};
  SignatureResult tmp = mbs;
  tmp.result = VerifyResult::temperror;
  tmp.reason = "key query failed";
  SignatureResult bad = mbs;
  bad.reason = "signature verification failed";
  EXPECT_EQ(classify({mbs}), std::nullopt);
  EXPECT_EQ(classify({tmp, mbs}), std::nullopt);
  EXPECT_EQ(classify({mbs, bad}), std::nullopt);
  EXPECT_EQ(classify({bad}), Situation::bad_signature);
}

TEST(Classify, IgnoredSignaturesDoNotCount) {
  using cachet::dkim::SignatureResult;
  using cachet::dkim::VerifyResult;
  SignatureResult ignored{VerifyResult::neutral, "", "list.example", "@list.example", "s", "rsa-sha256", "x", 0, false};
  SignatureResult bad = ignored;
  bad.result = VerifyResult::fail;
  bad.reason = "signature verification failed";
  EXPECT_EQ(classify({ignored, bad}), Situation::bad_signature);
  // All ignored: opendkim (-t) accepts, even with On-NoSignature reject.
  EXPECT_EQ(classify({ignored, ignored}), std::nullopt);
}

}  // namespace
