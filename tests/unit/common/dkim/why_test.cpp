// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/why_test.cpp: the words of cachet-dkim's decision line, one row per
// branch of the signing choice and per verification outcome (inputs -> expected line).
#include "common/dkim/why.hpp"

#include <gtest/gtest.h>

#include "tests/unit/common/dkim/sign_facts_for_test.hpp"

namespace {

using namespace cachet;
using dkim::SignatureResult;
using dkim::SignFacts;
using dkim::VerifyResult;

SignFacts base() { return dkim::outside_alice_for_test(); }
SignFacts signed_by_table() { return dkim::signed_alice_for_test(); }

struct SignCase {
  std::string_view name;
  SignFacts facts;
  bool verbose;
  std::string want;
};

class SignWhy : public ::testing::TestWithParam<SignCase> {};

TEST_P(SignWhy, SaysWhatWasDecidedAndWhy) {
  const SignCase& c = GetParam();
  EXPECT_EQ(log::render_text("dkim.decision", dkim::sign_fields(c.facts, c.verbose)), c.want) << c.name;
}

SignFacts with(SignFacts f, void (*change)(SignFacts&)) {
  change(f);
  return f;
}

INSTANTIATE_TEST_SUITE_P(
    EveryBranch, SignWhy,
    ::testing::Values(
        SignCase{"signed by a SigningTable line", signed_by_table(), false,
                 "dkim.decision sign=yes d=example.com s=s2024 a=rsa-sha256 key=example "
                 "table=SigningTable:3 why=\"authenticated as alice\""},
        SignCase{"signed, verbose", signed_by_table(), true,
                 "dkim.decision sign=yes d=example.com s=s2024 a=rsa-sha256 key=example "
                 "table=SigningTable:3 why=\"authenticated as alice\" client=203.0.113.5 "
                 "login=alice from=alice@example.com"},
        SignCase{"two signatures",
                 with(signed_by_table(),
                      [](SignFacts& f) {
                        f.signatures.push_back({"example.com", "ed", "ed25519-sha256", "ed", 4});
                      }),
                 false,
                 "dkim.decision sign=yes d=example.com,example.com s=s2024,ed "
                 "a=rsa-sha256,ed25519-sha256 key=example,ed "
                 "table=SigningTable:3,SigningTable:4 why=\"authenticated as alice\""},
        SignCase{"single-key mode",
                 with(signed_by_table(),
                      [](SignFacts& f) {
                        f.single_key = true;
                        f.origin = "client in InternalHosts";
                      }),
                 false,
                 "dkim.decision sign=yes d=example.com s=s2024 a=rsa-sha256 "
                 "why=\"client in InternalHosts\""},
        SignCase{"verify-only mode", with(base(), [](SignFacts& f) { f.sign_mode = false; }), false,
                 "dkim.decision sign=no why=\"Mode has no s: verifying only\""},
        SignCase{"no From",
                 with(base(),
                      [](SignFacts& f) {
                        f.sender_fields = 0;
                        f.sender_valid = false;
                      }),
                 false, "dkim.decision sign=no why=\"no From field\""},
        SignCase{"From without a valid domain", with(base(), [](SignFacts& f) { f.sender_valid = false; }), true,
                 "dkim.decision sign=no why=\"From address has no valid domain\" "
                 "client=203.0.113.5 login=none from=none"},
        SignCase{"two From fields", with(signed_by_table(), [](SignFacts& f) { f.sender_fields = 2; }), false,
                 "dkim.decision sign=yes d=example.com s=s2024 a=rsa-sha256 key=example "
                 "table=SigningTable:3 why=\"authenticated as alice\" "
                 "warning=\"2 From fields: the first was used\""},
        SignCase{"exempt", with(base(), [](SignFacts& f) { f.exempt = true; }), false,
                 "dkim.decision sign=no why=\"From domain example.com is in ExemptDomains\""},
        SignCase{"DontSignMailTo", with(base(), [](SignFacts& f) { f.rcpt_blocked = true; }), false,
                 "dkim.decision sign=no why=\"a recipient is in DontSignMailTo\""},
        SignCase{"outside client", base(), false,
                 "dkim.decision sign=no why=\"client 203.0.113.5 is not in InternalHosts and did "
                 "not authenticate\""},
        SignCase{"unknown client", with(base(), [](SignFacts& f) { f.client.clear(); }), false,
                 "dkim.decision sign=no why=\"the client is not in InternalHosts and did not "
                 "authenticate\""},
        SignCase{"no SigningTable match", with(base(), [](SignFacts& f) { f.origin = "client in InternalHosts"; }),
                 false, "dkim.decision sign=no why=\"no SigningTable match for alice@example.com\""},
        SignCase{"no Domain match",
                 with(base(),
                      [](SignFacts& f) {
                        f.origin = "client in InternalHosts";
                        f.single_key = true;
                      }),
                 false, "dkim.decision sign=no why=\"From domain example.com matches no Domain\""},
        SignCase{"key failed", with(signed_by_table(), [](SignFacts& f) { f.sign_error = "key too short"; }), false,
                 "dkim.decision sign=no why=\"signing failed: key too short\""}));

SignatureResult sig(std::string d, VerifyResult r, std::string reason) {
  SignatureResult s;
  s.domain = std::move(d);
  s.selector = "sel";
  s.algorithm = "rsa-sha256";
  s.result = r;
  s.reason = std::move(reason);
  return s;
}

struct VerifyCase {
  std::string_view name;
  std::vector<SignatureResult> results;
  std::string want;
};

class VerifyWhy : public ::testing::TestWithParam<VerifyCase> {};

TEST_P(VerifyWhy, GivesEachSignatureAndItsReason) {
  const VerifyCase& c = GetParam();
  EXPECT_EQ(log::render_text("dkim.decision", dkim::verify_fields(c.results)), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryResult, VerifyWhy,
    ::testing::Values(
        VerifyCase{"no signature", {}, "dkim.decision verify=none"},
        VerifyCase{"pass",
                   {sig("a.org", VerifyResult::pass, "")},
                   "dkim.decision verify=pass sigs=\"d=a.org s=sel a=rsa-sha256 pass\""},
        VerifyCase{"body hash mismatch",
                   {sig("a.org", VerifyResult::fail, "body hash mismatch")},
                   "dkim.decision verify=fail sigs=\"d=a.org s=sel a=rsa-sha256 fail (body hash mismatch)\""},
        VerifyCase{"one of two passes",
                   {sig("a.org", VerifyResult::fail, "signature did not verify"), sig("b.org", VerifyResult::pass, "")},
                   "dkim.decision verify=pass sigs=\"d=a.org s=sel a=rsa-sha256 fail (signature did "
                   "not verify); d=b.org s=sel a=rsa-sha256 pass\""},
        VerifyCase{"key not found",
                   {sig("a.org", VerifyResult::permerror, "no key for signature")},
                   "dkim.decision verify=permerror sigs=\"d=a.org s=sel a=rsa-sha256 permerror (no "
                   "key for signature)\""},
        VerifyCase{"DNS timeout",
                   {sig("a.org", VerifyResult::temperror, "key lookup timed out")},
                   "dkim.decision verify=temperror sigs=\"d=a.org s=sel a=rsa-sha256 temperror (key "
                   "lookup timed out)\""},
        VerifyCase{"ignored by the prescreen",
                   {sig("a.org", VerifyResult::neutral, "not evaluated")},
                   "dkim.decision verify=neutral sigs=\"d=a.org s=sel a=rsa-sha256 neutral (not "
                   "evaluated)\""},
        VerifyCase{"unreadable signature",
                   {[] {
                     SignatureResult s;
                     s.reason = "missing tag d";
                     return s;
                   }()},
                   "dkim.decision verify=permerror sigs=\"d=? s=? permerror (missing tag d)\""}));

}  // namespace
