// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/crypto/crypto_test.cpp: the OpenSSL wrapper: hashing, key loading in
// every accepted form, sign/verify, and rejection of junk.
#include "common/crypto/crypto.hpp"

#include <gtest/gtest.h>

#include "common/base/base64.hpp"

namespace cachet::crypto {
namespace {

TEST(Hasher, StreamsAndResets) {
  Hasher h(HashAlg::sha256);
  h.update("a");
  h.update("bc");
  const std::string first = h.finish();
  EXPECT_EQ(base64_encode(first), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  h.update("abc");
  EXPECT_EQ(h.finish(), first);
  EXPECT_EQ(base64_encode(digest(HashAlg::sha1, "")), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}

TEST(PrivateKey, RoundTripsGeneratedKeys) {
  for (const auto& [type, bits] : {std::pair{KeyType::rsa, 1024}, std::pair{KeyType::ed25519, 0}}) {
    auto key = PrivateKey::generate(type, bits);
    ASSERT_TRUE(key.has_value()) << key.error().detail;
    auto pem = key->to_pem();
    ASSERT_TRUE(pem.has_value());
    auto again = PrivateKey::load(*pem);
    ASSERT_TRUE(again.has_value()) << again.error().detail;
    EXPECT_EQ(again->type(), type);
    const std::string d = digest(HashAlg::sha256, "message");
    auto sig = again->sign_digest(HashAlg::sha256, d);
    ASSERT_TRUE(sig.has_value()) << sig.error().detail;
    auto pub = PublicKey::from_dkim(type, *key->public_key_for_dns());
    ASSERT_TRUE(pub.has_value()) << pub.error().detail;
    EXPECT_TRUE(pub->verify_digest(HashAlg::sha256, d, *sig));
    EXPECT_FALSE(pub->verify_digest(HashAlg::sha256, digest(HashAlg::sha256, "other"), *sig));
    EXPECT_FALSE(pub->verify_digest(HashAlg::sha256, d, ""));
    EXPECT_FALSE(pub->verify_digest(HashAlg::sha256, d, std::string(600, 'x')));
    if (type == KeyType::rsa) {
      EXPECT_EQ(pub->bits(), 1024);
      EXPECT_FALSE(pub->verify_digest(HashAlg::sha1, d, *sig));  // hash must match too
    }
  }
}

TEST(PrivateKey, RejectsJunk) {
  for (const char* text :
       {"", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n", "not a key", "QUJD"}) {
    const auto got = PrivateKey::load(SecretBytes(text));
    ASSERT_FALSE(got.has_value()) << text;
    EXPECT_EQ(got.error().code, Errc::bad_input);
  }
}

TEST(PrivateKey, RefusesEncryptedPemWithoutPrompting) {
  // openssl genpkey -algorithm ed25519 -aes-128-cbc -pass pass:x (test-only key)
  const char* pem =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
      "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhmsfR3lCAIKAICCAAw\n"
      "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEIa46iAYzwfKzahEStkqkkMEQLus\n"
      "NJGuT5loWwYOJTRE8sajtZIRg1cLYKQEl6i7ClvIpqj/K2wnrK7BZ1IAiEUdDf4E\n"
      "h7PJaMYee4a7ITFcs3w=\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  const auto got = PrivateKey::load(SecretBytes(pem));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::bad_input);
}

TEST(PrivateKey, LoadsEd25519SeedAsRfc8463Writes) {
  // RFC 8463 A.1 private key; its public key is A.2's p=.
  auto key = PrivateKey::load(SecretBytes("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="));
  ASSERT_TRUE(key.has_value()) << key.error().detail;
  EXPECT_EQ(base64_encode(*key->public_key_for_dns()), "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  EXPECT_EQ(key->signature_size(), 64u);
}

TEST(PublicKey, RejectsWrongShapes) {
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::ed25519, std::string(31, 'a')).has_value());
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::ed25519, std::string(44, 'a')).has_value());
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::rsa, "").has_value());
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::rsa, std::string(140, '\0')).has_value());
  // An Ed25519 SubjectPublicKeyInfo under k=rsa is refused.
  auto ed = PrivateKey::generate(KeyType::ed25519, 0);
  ASSERT_TRUE(ed.has_value());
  const auto spki = base64_decode("MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=");
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::rsa, *spki).has_value());
  EXPECT_FALSE(PublicKey::from_dkim(KeyType::ed25519, *spki).has_value());
}

TEST(SecretBytes, MovesAndWipes) {
  SecretBytes a("secret");
  SecretBytes b(std::move(a));
  EXPECT_EQ(b.view(), "secret");
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
}

}  // namespace
}  // namespace cachet::crypto
