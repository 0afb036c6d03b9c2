// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/signature_test.cpp: DKIM-Signature parsing, validation, b=
// removal and the opendkim-style formatter.
#include "common/dkim/signature.hpp"

#include <gtest/gtest.h>

namespace cachet::dkim {
namespace {

constexpr std::string_view kBase = "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; bh=AAAA; b=AAAA";

struct SigCase {
  std::string_view name;
  std::string input;
  bool want_ok;
  std::string_view want_reason;  // substring of the error detail
};

class ParseSignature : public ::testing::TestWithParam<SigCase> {};

TEST_P(ParseSignature, ValidatesPerRfc6376) {
  const auto& c = GetParam();
  const auto got = parse_signature(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << (got ? "" : ": " + got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, Errc::permanent);
    EXPECT_NE(got.error().detail.find(c.want_reason), std::string::npos) << c.name << ": " << got.error().detail;
  }
}

std::string with(std::string_view extra) { return std::string(kBase) + "; " + std::string(extra); }

const std::string kManyHeaders = [] {
  std::string h = "From";
  for (std::size_t i = 1; i < kMaxSignedHeaders; ++i) h += ":X";
  return h;
}();

INSTANTIATE_TEST_SUITE_P(
    Rfc6376, ParseSignature,
    ::testing::Values(
        SigCase{"empty", "", false, "syntax"}, SigCase{"minimal", std::string(kBase), true, ""},
        SigCase{"missing v", "a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", false, "v="},
        SigCase{"missing b", "v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA", false, "b="},
        SigCase{"missing h", "v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=AAAA", false, "h="},
        SigCase{"bad version", "v=2; a=rsa-sha256; d=e.com; s=sel; h=From; bh=AAAA; b=AAAA", false, "version"},
        SigCase{"unknown algorithm", "v=1; a=rsa-md5; d=e.com; s=sel; h=From; bh=AAAA; b=AAAA", false, "algorithm"},
        SigCase{"duplicate d (opendkim takes the last)", with("d=other.example"), false, "duplicate"},
        SigCase{"h without From", "v=1; a=rsa-sha256; d=e.com; s=sel; h=To:Subject; bh=AAAA; b=AAAA", false, "From"},
        SigCase{"h with from lower case", "v=1; a=rsa-sha256; d=e.com; s=sel; h=to:from; bh=AAAA; b=AAAA", true, ""},
        SigCase{"CVE-2020-12272 d with paren",
                "v=1; a=rsa-sha256; d=victim.example(.attacker.example; s=s; h=From; bh=AAAA; b=AAAA", false, "d="},
        SigCase{"d with underscore", "v=1; a=rsa-sha256; d=a_b.example; s=s; h=From; bh=AAAA; b=AAAA", false, "d="},
        SigCase{"d empty label", "v=1; a=rsa-sha256; d=a..example; s=s; h=From; bh=AAAA; b=AAAA", false, "d="},
        SigCase{"selector with dots and underscore", "v=1; a=rsa-sha256; d=e.com; s=a_b.c; h=From; bh=AAAA; b=AAAA",
                true, ""},
        SigCase{"selector with slash", "v=1; a=rsa-sha256; d=e.com; s=a/b; h=From; bh=AAAA; b=AAAA", false, "s="},
        SigCase{"i equal to d", with("i=@example.com"), true, ""},
        SigCase{"i subdomain", with("i=joe@sub.EXAMPLE.com"), true, ""},
        SigCase{"i other domain", with("i=joe@badexample.com"), false, "i="},
        SigCase{"i without at", with("i=example.com"), false, "i="},
        SigCase{"i quoted-printable", with("i=j=3Doe@example.com"), true, ""},
        SigCase{"i bad quoted-printable", with("i=j=3@example.com"), false, "quoted"},
        SigCase{"c relaxed alone", with("c=relaxed"), true, ""},
        SigCase{"c unknown", with("c=foobar"), false, "canonicalization"},
        SigCase{"q dns/txt", with("q=dns/txt"), true, ""}, SigCase{"q unknown", with("q=http"), false, "query"},
        SigCase{"x before t", with("t=100; x=99"), false, "x="}, SigCase{"x equal t", with("t=100; x=100"), true, ""},
        SigCase{"t not a number", with("t=12a"), false, "t="},
        SigCase{"l overflow", with("l=99999999999999999999999"), false, "l="},
        SigCase{"b not base64", "v=1; a=rsa-sha256; d=e.com; s=s; h=From; bh=AAAA; b=A*AA", false, "b="},
        SigCase{"b folded base64", "v=1; a=rsa-sha256; d=e.com; s=s; h=From; bh=AAAA; b=AA\r\n\t AA", true, ""},
        SigCase{"unknown tag ignored", with("zz=whatever"), true, ""},
        SigCase{"8-bit byte", with("zz=caf\xc3\xa9"), false, "syntax"},
        SigCase{"NUL byte", with(std::string_view("zz=a\0b", 6)), false, "syntax"},
        SigCase{"h at limit", "v=1; a=rsa-sha256; d=e.com; s=s; bh=AAAA; b=AAAA; h=" + kManyHeaders, true, ""},
        SigCase{"h over limit", "v=1; a=rsa-sha256; d=e.com; s=s; bh=AAAA; b=AAAA; h=" + kManyHeaders + ":X", false,
                "h="}));

TEST(ParseSignature, ReadsEveryTag) {
  const auto got = parse_signature(
      "v=1; a=ed25519-sha256; c=relaxed/simple; d=Example.com; s=sel; t=10; x=20; l=5;"
      " i=@example.com; q=dns/txt; h=From : To; z=From:=20a; bh=AAAA; b=QUJD\r\n\t REVG");
  ASSERT_TRUE(got.has_value()) << got.error().detail;
  EXPECT_EQ(got->algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(got->header_canon, Canon::relaxed);
  EXPECT_EQ(got->body_canon, Canon::simple);
  EXPECT_EQ(got->domain, "Example.com");
  EXPECT_EQ(got->signed_headers, (std::vector<std::string>{"From", "To"}));
  EXPECT_EQ(got->b, "QUJDREVG");
  EXPECT_EQ(*got->timestamp, 10u);
  EXPECT_EQ(*got->expiry, 20u);
  EXPECT_EQ(*got->body_length, 5u);
  EXPECT_EQ(got->identity, "@example.com");
  EXPECT_EQ(got->copied_headers, "From:=20a");
}

TEST(StripBValue, RemovesOnlyTheBValue) {
  EXPECT_EQ(strip_b_value("v=1; bh=XYZ; b=AB\r\n\t CD; d=x"), "v=1; bh=XYZ; b=; d=x");
  EXPECT_EQ(strip_b_value("b=AB CD"), "b=");
  EXPECT_EQ(strip_b_value("v=1;\r\n\tb = AB"), "v=1;\r\n\tb =");
  EXPECT_EQ(strip_b_value("bh=1; b=2"), "bh=1; b=");
}

// The exact DKIM-Signature opendkim 2.11 wrote (peers.md s2.1), rebuilt from its tags.
TEST(FormatSignature, ReproducesOpendkimFolding) {
  const std::string want_b =
      "xXeJf+Y/LYH6JtLE4YOBObsmEcGRxN0ZZ9IxTV1CzeJRdYlHT6XYEtXOJswI7lWjj"
      "7Cy45rbtuk8jHwHwejWBksboIMnAFpIq+X/pyliKN02BNMWBCnXQP3JT4pdelFmtFs";
  Signature sig;
  sig.algorithm = Algorithm::rsa_sha256;
  sig.header_canon = Canon::relaxed;
  sig.body_canon = Canon::simple;
  sig.domain = "example.com";
  sig.selector = "sel1";
  sig.timestamp = 1795631996;
  sig.bh = "TJnoB+ZgA8hH5kDk0sHkyILr0qoHt1QABzXsd9yItT4=";
  sig.signed_headers = {"From",       "Reply-To",    "To",         "Cc",      "Subject",
                        "Date",       "In-Reply-To", "References", "List-Id", "List-Unsubscribe",
                        "Resent-From"};
  const std::string unsigned_value = format_signature_unsigned(sig, SignatureStyle::opendkim, 344);
  EXPECT_EQ(unsigned_value,
            "v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel1;\r\n"
            "\tt=1795631996; bh=TJnoB+ZgA8hH5kDk0sHkyILr0qoHt1QABzXsd9yItT4=;\r\n"
            "\th=From:Reply-To:To:Cc:Subject:Date:In-Reply-To:References:List-Id:\r\n"
            "\t List-Unsubscribe:Resent-From;\r\n"
            "\tb=");
  EXPECT_EQ(append_b_value(unsigned_value, want_b),
            unsigned_value +
                "xXeJf+Y/LYH6JtLE4YOBObsmEcGRxN0ZZ9IxTV1CzeJRdYlHT6XYEtXOJswI7lWjj\r\n"
                "\t 7Cy45rbtuk8jHwHwejWBksboIMnAFpIq+X/pyliKN02BNMWBCnXQP3JT4pdelFmtFs");
  // The signed field parses back, and removing b= gives back the text that was signed.
  const std::string full = append_b_value(unsigned_value, want_b);
  EXPECT_EQ(strip_b_value(full), unsigned_value);
}

TEST(FormatSignature, OpendkimTagOrderWithOptionalTags) {
  Signature sig;
  sig.domain = "example.com";
  sig.selector = "s";
  sig.timestamp = 1;
  sig.expiry = 2;
  sig.identity = "alice@example.com";
  sig.body_length = 5;
  sig.bh = "AAAA";
  sig.signed_headers = {"From"};
  sig.copied_headers = "From:=20a";
  const std::string got = format_signature_unsigned(sig, SignatureStyle::opendkim, 4);
  EXPECT_EQ(got,
            "v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=s;\r\n"
            "\tt=1; x=2; i=alice@example.com; bh=AAAA; l=5; h=From; z=From:=20a;\r\n"
            "\tb=");
}

}  // namespace
}  // namespace cachet::dkim
