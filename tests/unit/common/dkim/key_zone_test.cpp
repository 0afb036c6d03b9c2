// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dkim/key_zone_test.cpp: opendkim-genkey's .txt layout (golden texts
// from the Debian opendkim-genkey 2.11 run in peers.md s1.1 and on this machine) and the
// reader's rows: empty, minimal, genkey output, limits, malformed, NUL/8-bit.
#include "common/dkim/key_zone.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "common/base/base64.hpp"

namespace cachet::dkim {
namespace {

// 294 bytes -> 392 base64 characters, like an RSA-2048 SPKI.
std::string fake_key(std::size_t bytes) { return std::string(bytes, '\x5a'); }

TEST(FormatKeyZone, MatchesGenkeyDefaultLayout) {
  KeyZoneParams p;
  p.selector = "sel1";
  p.domain = "example.com";
  p.public_key = fake_key(294);
  const std::string b64 = base64_encode(p.public_key);
  ASSERT_EQ(b64.size(), 392u);
  const std::string want = "sel1._domainkey\tIN\tTXT\t( \"v=DKIM1; h=sha256; k=rsa; \"\n\t  \"p=" + b64.substr(0, 250) +
                           "\"\n\t  \"" + b64.substr(250) + "\" )  ; ----- DKIM key sel1 for example.com\n";
  EXPECT_EQ(format_key_zone(p), want);
}

TEST(FormatKeyZone, AllFlagsAsGenkeyWritesThem) {
  KeyZoneParams p;
  p.selector = "s4";
  p.domain = "ex.org";
  p.append_domain = true;
  p.note = "hello world";
  p.is_restricted = true;
  p.is_testing = true;
  p.allows_subdomains = false;
  p.public_key = fake_key(30);
  const std::string got = format_key_zone(p);
  EXPECT_EQ(got.substr(0, got.find('\n')),
            "s4._domainkey.ex.org.\tIN\tTXT\t( \"v=DKIM1; n=\\\"hello world\\\"; h=sha256; k=rsa; "
            "t=y:s; s=email; \"");
}

struct FlagCase {
  const char* name;
  bool testing, subdomains, restricted;
  const char* want;
};

TEST(FormatKeyZone, FlagCombinations) {
  const FlagCase cases[] = {
      {"none", false, true, false, "k=rsa; \""},
      {"test", true, true, false, "k=rsa; t=y; \""},
      {"nosub", false, false, false, "k=rsa; t=s; \""},
      {"test nosub", true, false, false, "k=rsa; t=y:s; \""},
      {"restrict", false, true, true, "k=rsa; s=email; \""},
      {"test restrict", true, true, true, "k=rsa; t=y; s=email; \""},
  };
  for (const FlagCase& c : cases) {
    KeyZoneParams p;
    p.is_testing = c.testing;
    p.allows_subdomains = c.subdomains;
    p.is_restricted = c.restricted;
    p.public_key = fake_key(10);
    const std::string got = format_key_zone(p);
    const std::string first = got.substr(0, got.find('\n'));
    EXPECT_TRUE(first.ends_with(c.want)) << c.name << ": " << first;
  }
}

TEST(FormatKeyZone, Ed25519AndEmptyDomainAndNoHash) {
  KeyZoneParams p;
  p.selector = "ed";
  p.domain = "";
  p.hash_algs.reset();
  p.key_type = crypto::KeyType::ed25519;
  p.public_key = fake_key(32);
  EXPECT_EQ(format_key_zone(p),
            "ed._domainkey\tIN\tTXT\t( \"v=DKIM1; k=ed25519; \"\n\t  \"p=" + base64_encode(p.public_key) + "\" ) \n");
}

TEST(FormatKeyZone, ExactMultipleOf250EndsWithEmptyString) {
  KeyZoneParams p;
  p.public_key = fake_key(375);  // 500 base64 characters
  const std::string got = format_key_zone(p);
  EXPECT_NE(got.find("\"\n\t  \"\" )  ; -----"), std::string::npos) << got;
}

TEST(ParseKeyZone, ReadsWhatFormatWrites) {
  for (std::size_t bytes : {32u, 162u, 294u, 375u, 550u}) {
    KeyZoneParams p;
    p.public_key = fake_key(bytes);
    p.append_domain = bytes % 2 == 0;
    auto got = parse_key_zone(format_key_zone(p));
    ASSERT_TRUE(got.has_value()) << bytes << ": " << got.error().detail;
    EXPECT_EQ(got->record(), "v=DKIM1; h=sha256; k=rsa; p=" + base64_encode(p.public_key));
    EXPECT_EQ(got->owner, p.append_domain ? "default._domainkey.localhost." : "default._domainkey");
  }
}

TEST(ParseKeyZone, NoteEscapesAreDecoded) {
  KeyZoneParams p;
  p.note = "hi there";
  p.public_key = fake_key(3);
  auto got = parse_key_zone(format_key_zone(p));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->record(), "v=DKIM1; n=\"hi there\"; h=sha256; k=rsa; p=Wlpa");
}

struct ParseCase {
  const char* name;
  std::string input;
  bool want_ok;
  const char* want_record;
};

class ParseKeyZoneRows : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseKeyZoneRows, AcceptsOnlyValidFiles) {
  const ParseCase& c = GetParam();
  auto got = parse_key_zone(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
  if (got) {
    EXPECT_EQ(got->record(), c.want_record) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, ParseKeyZoneRows,
    ::testing::Values(ParseCase{"empty", "", false, ""}, ParseCase{"blank", " \n\t\n", false, ""},
                      ParseCase{"bare record", "v=DKIM1; k=rsa; p=AB\n", true, "v=DKIM1; k=rsa; p=AB"},
                      ParseCase{"minimal zone line", "s._domainkey TXT \"p=AB\"", true, "p=AB"},
                      ParseCase{"ttl and class", "s._domainkey.ex. 300 IN TXT \"a\" \"b\"", true, "ab"},
                      ParseCase{"bare words, ; starts a comment", "s._domainkey IN TXT v=DKIM1;x", true, "v=DKIM1"},
                      ParseCase{"only strings", "\"v=DKIM1; \" \"p=AB\"\n", true, "v=DKIM1; p=AB"},
                      ParseCase{"comment line first", "; comment\ns IN TXT \"x\"", true, "x"},
                      ParseCase{"DDD escape", "s IN TXT \"a\\059b\"", true, "a;b"},
                      ParseCase{"bad DDD", "s IN TXT \"a\\99\"", false, ""},
                      ParseCase{"DDD over 255", "s IN TXT \"a\\300\"", false, ""},
                      ParseCase{"unterminated quote", "s IN TXT \"abc", false, ""},
                      ParseCase{"unterminated paren", "s IN TXT ( \"abc\"", false, ""},
                      ParseCase{"close without open", "s IN TXT \"abc\" )", false, ""},
                      ParseCase{"not TXT", "s IN A 192.0.2.1", false, ""},
                      ParseCase{"no data", "s IN TXT\n", false, ""}, ParseCase{"owner only", "s\n", false, ""},
                      ParseCase{"two records", "s IN TXT \"a\"\nt IN TXT \"b\"\n", false, ""},
                      ParseCase{"string over limit", "s IN TXT \"" + std::string(256, 'a') + "\"", false, ""},
                      ParseCase{"NUL byte", std::string("s IN TXT \"a\0b\"", 14), false, ""},
                      ParseCase{"8-bit kept", "s IN TXT \"\xc3\xa9\"", true, "\xc3\xa9"}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(ParseKeyZone, StringAtLimitKeepsItsBytes) {
  auto got = parse_key_zone("s IN TXT \"" + std::string(255, 'a') + "\"");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->record(), std::string(255, 'a'));
}

TEST(ParseKeyZone, StringCountAndSizeLimits) {
  std::string at = "s IN TXT (";
  for (std::size_t i = 0; i < kMaxKeyZoneStrings; ++i) at += " \"a\"";
  EXPECT_TRUE(parse_key_zone(at + " )").has_value());
  EXPECT_FALSE(parse_key_zone(at + " \"a\" )").has_value());
  EXPECT_FALSE(parse_key_zone(std::string(kMaxKeyZoneBytes + 1, ' ')).has_value());
}

}  // namespace
}  // namespace cachet::dkim
