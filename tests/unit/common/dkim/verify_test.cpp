// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/verify_test.cpp: every verifier result class and reason, with
// keys generated per test run and a table of fake key records.
#include "common/dkim/verify.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/base/base64.hpp"
#include "common/base/strings.hpp"
#include "common/dkim/sign.hpp"
#include "tests/unit/common/dkim/test_util.hpp"

namespace cachet::dkim {
namespace {

constexpr std::uint64_t kNow = 1800000000;
constexpr std::string_view kMessage =
    "From: Alice <alice@example.com>\r\nTo: bob@example.net\r\nSubject: hi\r\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello.\r\n\r\n";
constexpr const char* kKeyName = "sel._domainkey.example.com";

struct Keys {
  crypto::PrivateKey rsa = *crypto::PrivateKey::generate(crypto::KeyType::rsa, 1024);
  crypto::PrivateKey ed = *crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  crypto::PrivateKey small = *crypto::PrivateKey::generate(crypto::KeyType::rsa, 512);
};

const Keys& keys() {
  static const Keys kKeys;  // generated once per test binary run
  return kKeys;
}

std::string record(const crypto::PrivateKey& key, std::string_view extra = "") {
  const char* k = key.type() == crypto::KeyType::ed25519 ? "ed25519" : "rsa";
  return "v=DKIM1; k=" + std::string(k) + "; " + std::string(extra) + "p=" + base64_encode(*key.public_key_for_dns());
}

SignParams params(const crypto::PrivateKey& key) {
  SignParams p;
  p.domain = "example.com";
  p.selector = "sel";
  p.key = &key;
  p.algorithm = key.type() == crypto::KeyType::ed25519 ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;
  p.timestamp = kNow - 10;
  return p;
}

std::string signed_message(const SignParams& p, std::string_view msg = kMessage) {
  auto v = sign_message(msg, p);
  EXPECT_TRUE(v.has_value()) << v.error().detail;
  return "DKIM-Signature: " + v.value_or("") + "\r\n" + std::string(msg);
}

std::vector<SignatureResult> verify(const std::string& msg, const test::FakeDns& dns, VerifyOptions o = {.now = kNow}) {
  auto got = verify_message(msg, dns.lookup(), o);
  EXPECT_TRUE(got.has_value());
  return got.value_or(std::vector<SignatureResult>{});
}

test::FakeDns zone(const std::string& txt) {
  test::FakeDns dns;
  dns.add_txt(kKeyName, txt);
  return dns;
}

void expect_one(const std::vector<SignatureResult>& rs, VerifyResult want, std::string_view reason) {
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(to_string(rs[0].result), std::string(to_string(want))) << rs[0].reason;
  EXPECT_NE(rs[0].reason.find(reason), std::string::npos) << rs[0].reason;
}

TEST(Verify, PassesAndReportsDetails) {
  for (const auto* key : {&keys().rsa, &keys().ed}) {
    const auto rs = verify(signed_message(params(*key)), zone(record(*key)));
    expect_one(rs, VerifyResult::pass, "");
    EXPECT_EQ(rs[0].domain, "example.com");
    EXPECT_EQ(rs[0].identity, "@example.com");
    EXPECT_EQ(rs[0].selector, "sel");
    EXPECT_EQ(rs[0].b_prefix.size(), 8u);
    EXPECT_EQ(rs[0].key_bits, key == &keys().rsa ? 1024 : 256);
  }
}

TEST(Verify, FailsOnBodyOrHeaderChange) {
  const std::string msg = signed_message(params(keys().rsa));
  expect_one(verify(msg + "more\r\n", zone(record(keys().rsa))), VerifyResult::fail, "body hash");
  std::string tampered = msg;
  tampered.replace(tampered.find("Subject: hi"), 11, "Subject: ho");
  expect_one(verify(tampered, zone(record(keys().rsa))), VerifyResult::fail, "signature verification");
  // A second From above the signed one (the classic header-injection) breaks it too.
  SignParams p = params(keys().rsa);
  p.oversign_headers = {"From"};
  const std::string over = signed_message(p);
  expect_one(verify(over, zone(record(keys().rsa))), VerifyResult::pass, "");
  expect_one(verify("From: evil@attacker.example\r\n" + over, zone(record(keys().rsa))), VerifyResult::fail,
             "signature verification");
}

TEST(Verify, DnsTroubleIsTemperrorAndMissingKeyPermerror) {
  const std::string msg = signed_message(params(keys().ed));
  test::FakeDns temp;
  temp.answers[kKeyName] = KeyAnswer{KeyAnswer::Status::temporary, {}};
  expect_one(verify(msg, temp), VerifyResult::temperror, "key query");
  expect_one(verify(msg, test::FakeDns{}), VerifyResult::permerror, "no key");
}

TEST(Verify, KeyRecordRefusals) {
  const std::string rsa_msg = signed_message(params(keys().rsa));
  const std::string rsa_rec = record(keys().rsa);
  expect_one(verify(rsa_msg, zone("v=DKIM1; k=rsa; p=")), VerifyResult::permerror, "revoked");
  expect_one(verify(rsa_msg, zone(record(keys().rsa, "h=sha1; "))), VerifyResult::permerror, "hash");
  expect_one(verify(rsa_msg, zone(record(keys().rsa, "s=tlsrpt; "))), VerifyResult::permerror, "email");
  expect_one(verify(rsa_msg, zone(record(keys().ed))), VerifyResult::permerror, "key type");
  expect_one(verify(rsa_msg, zone("v=DKIM1; p=QUJD")), VerifyResult::permerror, "key syntax");
  expect_one(verify(rsa_msg, zone("junk")), VerifyResult::permerror, "syntax");
  // Two valid records: ambiguous. One valid plus junk (e.g. an SPF record): the valid one.
  test::FakeDns two = zone(rsa_rec);
  two.add_txt(kKeyName, rsa_rec);
  expect_one(verify(rsa_msg, two), VerifyResult::permerror, "several");
  test::FakeDns mixed = zone("v=spf1 -all");
  mixed.add_txt(kKeyName, rsa_rec);
  expect_one(verify(rsa_msg, mixed), VerifyResult::pass, "");
  // t=s: i= in a subdomain is refused.
  SignParams sub = params(keys().rsa);
  sub.identity = "joe@mail.example.com";
  expect_one(verify(signed_message(sub), zone(record(keys().rsa, "t=s; "))), VerifyResult::permerror, "t=s");
  expect_one(verify(signed_message(sub), zone(rsa_rec)), VerifyResult::pass, "");
  const auto testing = verify(rsa_msg, zone(record(keys().rsa, "t=y; ")));
  ASSERT_EQ(testing.size(), 1u);
  EXPECT_TRUE(testing[0].is_testing);
}

TEST(Verify, Rfc8301PolicyForSmallKeysAndSha1) {
  SignParams p = params(keys().small);
  expect_one(verify(signed_message(p), zone(record(keys().small))), VerifyResult::policy, "too small");
  // rsa-sha1 cannot be produced by the signer (RFC 8301); build one by hand.
  Signature sig;
  sig.algorithm = Algorithm::rsa_sha1;
  sig.domain = "example.com";
  sig.selector = "sel";
  sig.signed_headers = {"From"};
  auto msg = mail::split_message(kMessage);
  BodyHasher bh(Canon::simple, crypto::HashAlg::sha1, std::nullopt);
  bh.feed(msg->body);
  sig.bh = base64_encode(bh.finish());
  const std::string unsigned_value = format_signature_unsigned(sig, SignatureStyle::opendkim, 172);
  const std::string input =
      header_hash_input(msg->headers, sig.signed_headers, Canon::simple, "DKIM-Signature", " " + unsigned_value);
  const auto b = keys().rsa.sign_digest(crypto::HashAlg::sha1, crypto::digest(crypto::HashAlg::sha1, input));
  const std::string sha1_msg =
      "DKIM-Signature: " + append_b_value(unsigned_value, base64_encode(*b)) + "\r\n" + std::string(kMessage);
  expect_one(verify(sha1_msg, zone(record(keys().rsa))), VerifyResult::policy, "rsa-sha1");
  expect_one(verify(sha1_msg, zone(record(keys().rsa)), {.allow_rsa_sha1 = true, .now = kNow}), VerifyResult::pass, "");
  p = params(keys().rsa);
  p.algorithm = Algorithm::rsa_sha1;
  EXPECT_FALSE(Signer::create(p).has_value());
}

TEST(Verify, ExpiryBodyLengthAndLimits) {
  SignParams p = params(keys().ed);
  p.expiry = kNow - 1;
  expect_one(verify(signed_message(p), zone(record(keys().ed))), VerifyResult::permerror, "expired");
  p.expiry.reset();
  p.include_body_length = true;
  std::string msg = signed_message(p);
  expect_one(verify(msg + "appended\r\n", zone(record(keys().ed))), VerifyResult::pass, "");
  msg.resize(msg.size() - 6);  // canonical body now shorter than l=
  expect_one(verify(msg, zone(record(keys().ed))), VerifyResult::fail, "l=");
  // max_signatures: extra DKIM-Signature fields are not evaluated.
  const std::string one = signed_message(params(keys().ed));
  const std::string three = one.substr(0, one.find("\r\nFrom:") + 2) + one.substr(0, one.find("\r\nFrom:") + 2) + one;
  VerifyOptions o{.max_signatures = 2, .now = kNow};
  auto msg3 = mail::split_message(three);
  Verifier v(o);
  v.set_headers(msg3->headers);
  v.feed_body(msg3->body);
  const auto rs = v.finish(zone(record(keys().ed)).lookup());
  ASSERT_EQ(rs.size(), 3u);  // the third is reported, not evaluated
  EXPECT_EQ(rs[2].result, VerifyResult::neutral);
  EXPECT_EQ(rs[2].domain, "example.com");
  EXPECT_EQ(rs[2].key_bits, 0);
  EXPECT_EQ(v.skipped(), 1u);
}

// opendkim's prescreen, row by row: d= list -> which are evaluated.
std::vector<bool> choose(std::vector<std::string> domains, std::size_t max, std::vector<std::string> trusted = {},
                         std::string author = "") {
  VerifyOptions o{.max_signatures = max, .now = kNow};
  if (!trusted.empty())
    o.is_trusted = [trusted](std::string_view d) {
      return std::any_of(trusted.begin(), trusted.end(), [&](const std::string& t) { return iequals(t, d); });
    };
  o.author_domain = std::move(author);
  return choose_signatures(domains, o);
}

TEST(ChooseSignatures, TopDownWithoutTrustList) {
  using V = std::vector<bool>;
  EXPECT_EQ(choose({}, 3), V{});
  EXPECT_EQ(choose({"a.example", "b.example", "c.example", "d.example"}, 3), (V{true, true, true, false}));
  EXPECT_EQ(choose({"a.example", "", "c.example"}, 1), (V{true, false, false}));
}

TEST(ChooseSignatures, TrustedAlwaysEvaluatedAndUseTheBudgetFirst) {
  using V = std::vector<bool>;
  const std::vector<std::string> sigs = {"list.example", "spam.example", "a.example", "trusted.example"};
  // Budget 2: the trusted one (4th) takes one slot, the top untrusted one the other.
  EXPECT_EQ(choose(sigs, 2, {"Trusted.Example"}), (V{true, false, false, true}));
  // Budget 1: only the trusted one, even though it is last.
  EXPECT_EQ(choose(sigs, 1, {"trusted.example"}), (V{false, false, false, true}));
  // More trusted signatures than the budget: all evaluated, no untrusted one.
  EXPECT_EQ(choose({"t1.example", "x.example", "t2.example"}, 1, {"t1.example", "t2.example"}), (V{true, false, true}));
  // Unreadable d= ("") is never trusted.
  EXPECT_EQ(choose({"", "t1.example"}, 1, {"", "t1.example"}), (V{false, true}));
}

TEST(ChooseSignatures, ZeroMeansAuthorDomainAndTrustedOnly) {
  using V = std::vector<bool>;
  const std::vector<std::string> sigs = {"list.example", "Example.COM", "trusted.example", ""};
  EXPECT_EQ(choose(sigs, 0, {}, "example.com"), (V{false, true, false, false}));
  EXPECT_EQ(choose(sigs, 0, {"trusted.example"}, "example.com"), (V{false, true, true, false}));
  EXPECT_EQ(choose(sigs, 0, {}, ""), (V{false, false, false, false}));
}

TEST(Verify, ReportsAtMostKMaxReportedSignatures) {
  const std::string one = signed_message(params(keys().ed));
  const std::string field = one.substr(0, one.find("\r\nFrom:") + 2);
  std::string many;
  for (std::size_t i = 0; i < kMaxReportedSignatures + 5; ++i) many += field;
  const auto rs = verify(many + one, zone(record(keys().ed)));
  ASSERT_EQ(rs.size(), kMaxReportedSignatures);
  EXPECT_EQ(rs[0].result, VerifyResult::pass);
  EXPECT_EQ(rs.back().result, VerifyResult::neutral);
}

TEST(Verify, UntrustedSignaturesBeyondTheBudgetAreIgnored) {
  // Two valid signatures: a third party's on top, the trusted one below; budget 1.
  SignParams third = params(keys().ed);
  third.domain = "third.example";
  const std::string inner = signed_message(params(keys().ed));
  auto outer = sign_message(inner, third);
  ASSERT_TRUE(outer.has_value());
  const std::string msg = "DKIM-Signature: " + *outer + "\r\n" + inner;
  test::FakeDns dns;
  dns.add_txt(kKeyName, record(keys().ed));
  dns.add_txt("sel._domainkey.third.example", record(keys().ed));
  VerifyOptions o{.max_signatures = 1, .now = kNow};
  auto words = [&](const VerifyOptions& opts) {
    std::string out;
    for (const auto& r : verify(msg, dns, opts)) out += std::string(to_string(r.result)) + ":" + r.domain + ";";
    return out;
  };
  EXPECT_EQ(words(o), "pass:third.example;neutral:example.com;");  // top down, no trust list
  o.is_trusted = [](std::string_view d) { return d == "example.com"; };
  EXPECT_EQ(words(o), "neutral:third.example;pass:example.com;");  // the trusted one first
  o.max_signatures = 0;
  o.is_trusted = nullptr;
  o.author_domain = "elsewhere.example";
  EXPECT_EQ(words(o), "neutral:third.example;neutral:example.com;");  // nothing chosen
}

TEST(Verify, MustBeSignedFailsSignaturesThatLeaveAPresentFieldUncovered) {
  SignParams p = params(keys().ed);
  p.signed_headers = {"From", "To"};  // Subject present but not signed
  const std::string msg = signed_message(p);
  const std::vector<std::string> mbs = {"subject"};
  VerifyOptions o{.now = kNow};
  expect_one(verify(msg, zone(record(keys().ed)), o), VerifyResult::pass, "");
  o.must_be_signed = &mbs;
  expect_one(verify(msg, zone(record(keys().ed)), o), VerifyResult::fail, kUnprotectedReason);
  // A listed field the message does not have is no requirement.
  const std::vector<std::string> absent = {"List-Id", "To"};
  o.must_be_signed = &absent;
  expect_one(verify(msg, zone(record(keys().ed)), o), VerifyResult::pass, "");
  // Covered: pass. A tampered body stays `fail`, now with the MustBeSigned reason first.
  p.signed_headers = {"From", "To", "Subject"};
  o.must_be_signed = &mbs;
  expect_one(verify(signed_message(p), zone(record(keys().ed)), o), VerifyResult::pass, "");
  p.signed_headers = {"From"};
  std::string bad = signed_message(p);
  bad.replace(bad.find("Hello."), 6, "Hullo.");
  expect_one(verify(bad, zone(record(keys().ed)), o), VerifyResult::fail, kUnprotectedReason);
  // Errors before the key is loaded keep their own result.
  expect_one(verify(signed_message(p), test::FakeDns(), o), VerifyResult::permerror, "no key");
}

TEST(Verify, UnparseableSignatureIsPermerrorWithoutForeignDomain) {
  const std::string msg =
      "DKIM-Signature: v=1; a=rsa-sha256; d=victim.example(.attacker.example; s=sel; h=From;"
      " bh=AAAA; b=AAAA\r\n" +
      std::string(kMessage);
  const auto rs = verify(msg, zone(record(keys().rsa)));
  expect_one(rs, VerifyResult::permerror, "d=");
  EXPECT_EQ(rs[0].domain, "");
  EXPECT_EQ(rs[0].selector, "sel");
  EXPECT_TRUE(verify(std::string(kMessage), zone(record(keys().rsa))).empty());
}

TEST(Verify, StreamedBodyInTinyChunksMatchesWhole) {
  const std::string msg = signed_message(params(keys().ed));
  auto parts = mail::split_message(msg);
  Verifier v(VerifyOptions{.now = kNow});
  v.set_headers(parts->headers);
  for (const char c : parts->body) v.feed_body(std::string_view(&c, 1));
  const auto rs = v.finish(zone(record(keys().ed)).lookup());
  expect_one(rs, VerifyResult::pass, "");
}

}  // namespace
}  // namespace cachet::dkim
