// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/macro_test.cpp: expand_macros() against RFC 7208 s7.4 examples,
// transformers, URL escaping (incl. 8-bit input: CVE-2021-33912) and malformed input.
#include "common/spf/macro.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::spf {
namespace {

MacroContext rfc_context() {
  MacroContext m;
  m.sender = "strong-bad@email.example.com";
  m.local_part = "strong-bad";
  m.sender_domain = "email.example.com";
  m.domain = "email.example.com";
  m.ip_dotted = "192.0.2.3";
  m.ptr_name = "unknown";
  m.ip_version = "in-addr";
  m.helo = "mx.example.org";
  m.client_ip = "192.0.2.3";
  m.receiver = "receiver.example";
  m.timestamp = "1700000000";
  return m;
}

struct MacroCase {
  std::string_view name, input, want;
};

class ExpandMacros : public ::testing::TestWithParam<MacroCase> {};

TEST_P(ExpandMacros, MatchesRfc7208Examples) {
  const MacroCase& c = GetParam();
  const auto got = expand_macros(c.input, rfc_context(), true);
  ASSERT_TRUE(got.has_value()) << c.name << ": " << got.error().detail;
  EXPECT_EQ(*got, c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7208Section7_4, ExpandMacros,
    ::testing::Values(MacroCase{"s", "%{s}", "strong-bad@email.example.com"},
                      MacroCase{"o", "%{o}", "email.example.com"}, MacroCase{"d", "%{d}", "email.example.com"},
                      MacroCase{"d4", "%{d4}", "email.example.com"}, MacroCase{"d3", "%{d3}", "email.example.com"},
                      MacroCase{"d2", "%{d2}", "example.com"}, MacroCase{"d1", "%{d1}", "com"},
                      MacroCase{"dr", "%{dr}", "com.example.email"}, MacroCase{"d2r", "%{d2r}", "example.email"},
                      MacroCase{"l", "%{l}", "strong-bad"}, MacroCase{"l-", "%{l-}", "strong.bad"},
                      MacroCase{"lr", "%{lr}", "strong-bad"}, MacroCase{"lr-", "%{lr-}", "bad.strong"},
                      MacroCase{"l1r-", "%{l1r-}", "strong"},
                      MacroCase{"ir v", "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
                      MacroCase{"lr- mixed", "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
                      MacroCase{"escapes", "a%%b%_c%-d", "a%b c%20d"},
                      MacroCase{"url escape", "%{S}", "strong-bad%40email.example.com"},
                      MacroCase{"exp letters", "%{c} %{r} %{t}", "192.0.2.3 receiver.example 1700000000"},
                      MacroCase{"spaces kept", "See  me.", "See  me."}));

TEST(ExpandMacrosErrors, RejectsMalformed) {
  for (std::string_view bad : {"%", "%{", "%{x}", "%{d", "%{d*}", "%a", "%(d)"}) {
    const auto got = expand_macros(bad, rfc_context(), true);
    EXPECT_FALSE(got.has_value()) << bad;
  }
  EXPECT_FALSE(expand_macros("%{c}", rfc_context(), false).has_value());
}

// CVE-2021-33912 / CVE-2021-33913: URL escaping of 8-bit bytes and reverse transformers
// over long values must give exact upper-case %XX escapes and bounded output.
TEST(ExpandMacrosErrors, EightBitAndReverseStayBounded) {
  MacroContext m = rfc_context();
  const std::string lp = "\xc3\xa9t\xc3\xa9\xff\x80";
  m.local_part = lp;
  auto got = expand_macros("%{L}", m, true);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "%C3%A9t%C3%A9%FF%80");
  const std::string huge(5000, 'a');
  m.local_part = huge;
  for (std::string_view t : {"%{IR}", "%{L1r+-}", "%{D2R}", "%{L}%{L}%{L}", "%{lr}"}) {
    got = expand_macros(t, m, true);
    ASSERT_TRUE(got.has_value()) << t;
    EXPECT_LE(got->size(), kMaxExpansionBytes) << t;
  }
}

TEST(UsesPtrMacro, FindsPButNotEscapedPercent) {
  EXPECT_TRUE(uses_ptr_macro("connect from %{p}"));
  EXPECT_TRUE(uses_ptr_macro("%{P2}"));
  EXPECT_FALSE(uses_ptr_macro("100%%{p} literal"));
  EXPECT_FALSE(uses_ptr_macro("%{d}"));
}

}  // namespace
}  // namespace cachet::spf
