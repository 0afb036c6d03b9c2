// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/sign_test.cpp: signer parameters, header selection (opendkim's
// default list, message order, original case, oversigning) and refusals.
#include "common/dkim/sign.hpp"

#include <gtest/gtest.h>

namespace cachet::dkim {
namespace {

constexpr std::string_view kMessage =
    "Received: x\r\nfrom: a@example.com\r\nTo: b@example.net\r\nMessage-ID: <1@x>\r\n"
    "Subject: s\r\nMIME-Version: 1.0\r\nTo: c@example.net\r\n\r\nbody\r\n";

const crypto::PrivateKey& key() {
  static const crypto::PrivateKey kKey = *crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  return kKey;
}

SignParams params() {
  SignParams p;
  p.domain = "example.com";
  p.selector = "sel";
  p.key = &key();
  p.algorithm = Algorithm::ed25519_sha256;
  p.timestamp = 1700000000;
  return p;
}

TEST(Signer, SignsDefaultHeadersInMessageOrderWithOriginalCase) {
  auto value = sign_message(kMessage, params());
  ASSERT_TRUE(value.has_value()) << value.error().detail;
  const auto sig = parse_signature(*value);
  ASSERT_TRUE(sig.has_value()) << sig.error().detail;
  EXPECT_EQ(sig->signed_headers, (std::vector<std::string>{"from", "To", "Subject", "To"}));
  EXPECT_EQ(*sig->timestamp, 1700000000u);
  EXPECT_FALSE(sig->expiry.has_value());
  EXPECT_TRUE(sig->identity.empty());  // opendkim writes no i= unless configured
  EXPECT_EQ(value->rfind("v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com;\r\n\ts=sel;", 0), 0u);
}

TEST(Signer, OversignsAndWritesOptionalTags) {
  SignParams p = params();
  p.oversign_headers = {"From"};
  p.identity = "alice@mail.example.com";
  p.expiry = 1700086400;
  p.include_body_length = true;
  auto value = sign_message(kMessage, p);
  ASSERT_TRUE(value.has_value()) << value.error().detail;
  const auto sig = parse_signature(*value);
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->signed_headers.back(), "From");
  EXPECT_EQ(sig->identity, "alice@mail.example.com");
  EXPECT_EQ(*sig->body_length, 6u);
  EXPECT_EQ(*sig->expiry, 1700086400u);
}

TEST(Signer, RefusesBadParameters) {
  SignParams p = params();
  p.key = nullptr;
  EXPECT_EQ(Signer::create(p).error().code, Errc::config);
  p = params();
  p.algorithm = Algorithm::rsa_sha256;  // Ed25519 key
  EXPECT_EQ(Signer::create(p).error().code, Errc::config);
  p = params();
  p.domain = "bad(domain";
  EXPECT_EQ(Signer::create(p).error().code, Errc::config);
  p = params();
  p.identity = "joe@other.example";
  EXPECT_EQ(Signer::create(p).error().code, Errc::config);
  p = params();
  p.selector = "";
  EXPECT_EQ(Signer::create(p).error().code, Errc::config);
  EXPECT_EQ(sign_message("To: x\r\n\r\n", params()).error().code, Errc::bad_input);
  EXPECT_EQ(sign_message("no colon\r\n\r\n", params()).error().code, Errc::bad_input);
}

TEST(Signer, StreamedBodyGivesTheSameSignature) {
  auto whole = sign_message(kMessage, params());
  auto msg = mail::split_message(kMessage);
  auto signer = Signer::create(params());
  ASSERT_TRUE(signer.has_value());
  for (const char c : msg->body) signer->feed_body(std::string_view(&c, 1));
  auto streamed = signer->finish(msg->headers);
  ASSERT_TRUE(streamed.has_value());
  EXPECT_EQ(*streamed, *whole);  // Ed25519 is deterministic
}

}  // namespace
}  // namespace cachet::dkim
