// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/record_test.cpp: validate_spf_record() row by row (RFC 7208 s4.6,
// s5, s6, s7, s12), libspf2_text() normalization, validate_explanation().
#include "common/spf/record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::spf {
namespace {

struct RecordCase {
  std::string_view name;
  std::string input;
  bool want_ok;
};

class ValidateSpfRecord : public ::testing::TestWithParam<RecordCase> {};

TEST_P(ValidateSpfRecord, AcceptsOnlyValidRecords) {
  const RecordCase& c = GetParam();
  const auto got = validate_spf_record(c.input);
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'"
                                        << (got ? std::string{} : " error=" + got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, Errc::permanent);
  }
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7208, ValidateSpfRecord,
    ::testing::Values(
        RecordCase{"empty", "", false}, RecordCase{"version only", "v=spf1", true},
        RecordCase{"version upper case", "V=SPF1 -ALL", true}, RecordCase{"trailing spaces", "v=spf1 -all  ", true},
        RecordCase{"double space", "v=spf1 a  -all", true}, RecordCase{"spf10 is not spf1", "v=spf10", false},
        RecordCase{"version needs space", "v=spf1-all", false},
        RecordCase{"rfc example", "v=spf1 +mx a:colo.example.com/28 -all", true},
        RecordCase{"all with arg", "v=spf1 all:foo", false},
        RecordCase{"unknown mechanism", "v=spf1 foo:bar -all", false},
        RecordCase{"redirect as mechanism", "v=spf1 redirect:example.com", false},
        RecordCase{"qualifier on modifier", "v=spf1 +redirect=example.com", false},
        RecordCase{"double qualifier", "v=spf1 ++all", false},
        // cidr lengths
        RecordCase{"ip4 /0", "v=spf1 ip4:1.2.3.4/0", true}, RecordCase{"ip4 /32", "v=spf1 ip4:1.2.3.4/32", true},
        RecordCase{"ip4 /33", "v=spf1 ip4:1.2.3.4/33", false},
        RecordCase{"ip4 /032 leading zero", "v=spf1 ip4:1.2.3.4/032", false},
        RecordCase{"ip4 /00", "v=spf1 ip4:1.2.3.4/00", false},
        RecordCase{"ip4 empty cidr", "v=spf1 ip4:1.2.3.4/", false},
        RecordCase{"ip4 leading zero octet", "v=spf1 ip4:1.2.3.04", false},
        RecordCase{"ip4 octet 256", "v=spf1 ip4:1.2.3.256", false},
        RecordCase{"ip4 three octets", "v=spf1 ip4:1.2.3", false}, RecordCase{"ip4 no network", "v=spf1 ip4", false},
        RecordCase{"ip6 /128", "v=spf1 ip6:2001:db8::/128", true},
        RecordCase{"ip6 /129", "v=spf1 ip6:2001:db8::/129", false}, RecordCase{"ip6 /0", "v=spf1 ip6:::/0", true},
        RecordCase{"ip6 bad", "v=spf1 ip6::CAFE::BABE", false},
        RecordCase{"ip6 dual cidr", "v=spf1 ip6:2001:db8:://64", false},
        RecordCase{"a dual cidr", "v=spf1 a/24//64", true}, RecordCase{"a ip6 cidr only", "v=spf1 a//0", true},
        RecordCase{"a cidr4 /33", "v=spf1 a/33", false},
        RecordCase{"mx domain cidr", "v=spf1 mx:example.com/24//48 -all", true},
        RecordCase{"mx cidr6 /129", "v=spf1 mx//129", false},
        RecordCase{"exists cidr", "v=spf1 exists:mail.example.com/24", false},
        // domain-spec
        RecordCase{"a empty domain", "v=spf1 a: -all", false}, RecordCase{"a only toplabel", "v=spf1 a:com", false},
        RecordCase{"a only toplabel trailing dot", "v=spf1 a:com.", false},
        RecordCase{"a numeric toplabel", "v=spf1 a:example.123", false},
        RecordCase{"a hyphen toplabel ok", "v=spf1 a:example.1-23", true},
        RecordCase{"a toplabel ends hyphen", "v=spf1 a:example.com-", false},
        RecordCase{"a trailing dot ok", "v=spf1 a:example.com.", true},
        RecordCase{"a ends with macro", "v=spf1 a:%{d}", true},
        RecordCase{"a colon in domain", "v=spf1 a:foo:bar/baz.example.com", true},
        RecordCase{"include needs domain", "v=spf1 include", false},
        RecordCase{"include empty", "v=spf1 include:", false}, RecordCase{"ptr empty domain", "v=spf1 ptr:", false},
        RecordCase{"exists empty", "v=spf1 exists:", false},
        // macros
        RecordCase{"macro ok", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d}", true},
        RecordCase{"macro upper ok", "v=spf1 exists:%{L}.x.example", true},
        RecordCase{"macro escapes", "v=spf1 a:macro%%percent%_%_space%-url.example.com", true},
        RecordCase{"invalid macro letter", "v=spf1 a:%{x}.example.com", false},
        RecordCase{"c macro outside exp", "v=spf1 exists:%{c}.example.com", false},
        RecordCase{"bare percent", "v=spf1 exists:foo%.example.com", false},
        RecordCase{"parenthesis macro", "v=spf1 exists:%(ir).example.com", false},
        RecordCase{"unterminated macro", "v=spf1 exists:%{ir.example.com", false},
        RecordCase{"percent at end", "v=spf1 exists:example.com%", false},
        RecordCase{"bad delimiter", "v=spf1 exists:%{d*}.example.com", false},
        // modifiers
        RecordCase{"redirect", "v=spf1 redirect=_spf.example.com", true},
        RecordCase{"redirect twice", "v=spf1 redirect=a.example.com redirect=b.example.com", false},
        RecordCase{"exp twice", "v=spf1 exp=a.example.com exp=b.example.com -all", false},
        RecordCase{"redirect empty", "v=spf1 redirect=", false}, RecordCase{"exp empty", "v=spf1 exp= -all", false},
        RecordCase{"redirect case-insensitive dup", "v=spf1 redirect=a.com.x REDIRECT=b.com.x", false},
        RecordCase{"unknown modifier ok", "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all", true},
        RecordCase{"unknown modifier bad macro", "v=spf1 foo=%[d] -all", false},
        RecordCase{"modifier name digit first", "v=spf1 1foo=bar", false},
        RecordCase{"modifier empty name", "v=spf1 =bar", false},
        // bytes
        RecordCase{"NUL inside", std::string("v=spf1 a:foo.example.com\0", 25), false},
        RecordCase{"8-bit",
                   "v=spf1 \x80"
                   "a:example.net -all",
                   false},
        RecordCase{"UTF-8 BOM in domain", "v=spf1 a:\xEF\xBB\xBFgarbage.example.net -all", false},
        RecordCase{"carriage return", "v=spf1 a:ctrl.example.com\rptr -all", false},
        RecordCase{"tab separator", "v=spf1\ta -all", false},
        RecordCase{"newline", "v=spf1 ip4:192.0.2.5\n include:x.example.com ~all", false},
        // size
        RecordCase{"over 450 bytes ok", "v=spf1" + repeat(" ip4:192.0.2.1", 40) + " -all", true},
        RecordCase{"at kMaxRecordBytes",
                   "v=spf1 " + std::string(kMaxRecordBytes - 7 - 12, 'a') + "=b" + repeat("c", 10), true},
        RecordCase{"over kMaxRecordBytes", "v=spf1 " + std::string(kMaxRecordBytes, 'a') + "=b", false},
        RecordCase{"long macro string", "v=spf1 exists:" + repeat("%{l}", 300) + ".example.com", true},
        RecordCase{"long literal exp domain", "v=spf1 -all exp=" + repeat("a.", 300) + "com", true}));

TEST(ValidateSpfRecord, RecordsStructure) {
  const auto r =
      validate_spf_record("v=spf1 -a:x.example.com/24//64 ~all redirect=r.example.com exp=e.example.com foo=bar");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  ASSERT_EQ(r->terms.size(), 5u);
  EXPECT_EQ(r->terms[0].kind, TermKind::a);
  EXPECT_EQ(r->terms[0].qualifier, Qualifier::fail);
  EXPECT_EQ(r->terms[0].value, "x.example.com");
  EXPECT_EQ(r->terms[0].cidr4, 24);
  EXPECT_EQ(r->terms[0].cidr6, 64);
  EXPECT_TRUE(r->has_all);
  EXPECT_EQ(r->redirect_index, 2);
  EXPECT_EQ(r->exp_index, 3);
  EXPECT_EQ(r->terms[4].kind, TermKind::unknown_modifier);
}

TEST(Libspf2Text, NormalizesForTheEvaluator) {
  const auto r = validate_spf_record(
      "v=spf1 foo=bar redirect=r.example.com ip4:1.2.3.4/0 ?ip6:::1/0 a/0//64 mx:m.example.com//0 exp=e.example.com");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(libspf2_text(*r, false, ".z"),
            "v=spf1 +ip4:0.0.0.0/1 +ip4:128.0.0.0/1 ?ip6:::/1 ?ip6:8000::/1 +a:%{d}.z "
            "+mx:m.example.com redirect=r.example.com exp=e.example.com");
  EXPECT_EQ(libspf2_text(*r, true, ".z"),
            "v=spf1 +ip4:0.0.0.0/1 +ip4:128.0.0.0/1 ?ip6:::/1 ?ip6:8000::/1 +a//64 "
            "+mx:m.example.com.z redirect=r.example.com exp=e.example.com");
}

TEST(Libspf2Text, DropsRedirectWhenAllIsPresent) {
  const auto r = validate_spf_record("v=spf1 redirect=r.example.com -all");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(libspf2_text(*r, false, ".z"), "v=spf1 -all");
}

TEST(Libspf2Text, LowersUpperCaseReverseTransformer) {
  const auto r = validate_spf_record("v=spf1 exists:%{IR}.%{D2R}.%{L1r+-}.x.example redirect=%{o2R}.example");
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(libspf2_text(*r, false, ".z"), "v=spf1 +exists:%{Ir}.%{D2r}.%{L1r+-}.x.example redirect=%{o2r}.example");
}

TEST(ValidateExplanation, AcceptsExplainStrings) {
  EXPECT_TRUE(validate_explanation("See http://%{d}/why.html?s=%{S}&i=%{C} at %{t}").has_value());
  EXPECT_TRUE(validate_explanation("").has_value());
  EXPECT_FALSE(validate_explanation("\xEF\xBB\xBF"
                                    "Explanation")
                   .has_value());
  EXPECT_FALSE(validate_explanation("Invalid %{x} macro").has_value());
  EXPECT_FALSE(validate_explanation("trailing %").has_value());
  EXPECT_FALSE(validate_explanation(std::string("nul\0inside", 10)).has_value());
}

TEST(ValidateDomainSpec, ChecksDomainEnd) {
  EXPECT_TRUE(validate_domain_spec("_spf.example.com").has_value());
  EXPECT_TRUE(validate_domain_spec("%{d2}").has_value());
  EXPECT_FALSE(validate_domain_spec("").has_value());
  EXPECT_FALSE(validate_domain_spec("localhost").has_value());
  EXPECT_FALSE(validate_domain_spec("example.-com").has_value());
}

}  // namespace
}  // namespace cachet::spf
