// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/key_record_test.cpp: DKIM key records (RFC 6376 s3.6.1).
#include "common/dkim/key_record.hpp"

#include <gtest/gtest.h>

namespace cachet::dkim {
namespace {

constexpr std::string_view kP = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2le";

struct KeyCase {
  std::string_view name;
  std::string input;
  bool want_ok;
};

class ParseKeyRecord : public ::testing::TestWithParam<KeyCase> {};

TEST_P(ParseKeyRecord, AcceptsOnlyValidRecords) {
  const auto& c = GetParam();
  const auto got = parse_key_record(c.input);
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << (got ? "" : ": " + got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, Errc::permanent);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc6376, ParseKeyRecord,
    ::testing::Values(
        KeyCase{"empty", "", false}, KeyCase{"minimal", "p=AAAA", true},
        KeyCase{"RFC 8463 A.2", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", true},
        KeyCase{"revoked", "k=rsa; t=y; p=", true}, KeyCase{"no p", "v=DKIM1; k=rsa", false},
        KeyCase{"v not first", "k=rsa; v=DKIM1; p=AAAA", false}, KeyCase{"bad v", "v=DKIM3; p=AAAA", false},
        KeyCase{"v with colon", "v=DKIM1: k=rsa; p=AAAA", false}, KeyCase{"unknown k", "k=foobar; p=AAAA", false},
        KeyCase{"k ed25519-sha256", "k=ed25519-sha256; p=AAAA", false},
        KeyCase{"tag without value", "k=rsa; t; p=AAAA", false},
        KeyCase{"odd spacing and unknown tags",
                "v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra; h=md5:sha1; p=AAAA", true},
        KeyCase{"p with whitespace", "p=AA AA\r\n\tAAAA", true}, KeyCase{"p not base64", "p=AA*A", false},
        KeyCase{"duplicate p", "p=AAAA; p=AAAA", false},
        KeyCase{"duplicated in one string", "v=DKIM1; k=ed25519;p=AAAA=v=DKIM1; k=ed25519;p=AAAA", false},
        KeyCase{"8-bit", "n=caf\xc3\xa9; p=AAAA", false}, KeyCase{"NUL", std::string("p=AA\0AA", 7), false},
        KeyCase{"p truncated (not a multiple of 4)", "v=DKIM1; t=y; s=email; p=" + std::string(kP), false}));

TEST(KeyRecord, ReadsFlagsAndLists) {
  const auto got = parse_key_record("v=DKIM1; h=sha256 : sha1; s=tlsrpt; t=y:s:zz; n=hello; p=QUJD");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->key_type, crypto::KeyType::rsa);
  EXPECT_TRUE(got->allows_hash("sha1"));
  EXPECT_TRUE(got->allows_hash("sha256"));
  EXPECT_FALSE(got->allows_email());
  EXPECT_TRUE(got->is_testing);
  EXPECT_TRUE(got->is_strict_identity);
  EXPECT_EQ(got->public_key, "ABC");
  EXPECT_EQ(got->notes, "hello");
  const auto revoked = parse_key_record("p=");
  ASSERT_TRUE(revoked.has_value());
  EXPECT_TRUE(revoked->is_revoked);
  const auto defaults = parse_key_record("p=QUJD");
  EXPECT_TRUE(defaults->allows_email());
  EXPECT_TRUE(defaults->allows_hash("sha256"));
  const auto sha256_only = parse_key_record("h=sha256; p=QUJD");
  EXPECT_FALSE(sha256_only->allows_hash("sha1"));
}

}  // namespace
}  // namespace cachet::dkim
