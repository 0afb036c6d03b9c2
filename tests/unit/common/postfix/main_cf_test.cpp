// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/postfix/main_cf_test.cpp: main.cf reading, $name expansion and the
// local-domain facts smtpd_sender_login_maps depends on.
#include "common/postfix/main_cf.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::postfix {
namespace {

MainCf parse(std::string_view text) {
  auto cf = parse_main_cf(text, "main.cf");
  EXPECT_TRUE(cf.has_value()) << (cf ? "" : cf.error().detail);
  return cf ? std::move(*cf) : MainCf{};
}

TEST(MainCf, EmptyFileHasNoParameters) {
  const MainCf cf = parse("");
  EXPECT_FALSE(cf.raw("myorigin").has_value());
  EXPECT_EQ(cf.expand("myorigin").value(), "");
}

TEST(MainCf, ReadsNameEqualsValueWithCommentsAndContinuations) {
  const MainCf cf = parse(
      "# comment\n"
      "\n"
      "myhostname = mail.example.test\n"
      "smtpd_sender_login_maps = pcre:/etc/postfix/a.pcre,\n"
      "    texthash:/etc/postfix/b\n"
      "  # a comment inside a continued line is skipped\n"
      "mydestination=localhost\n");
  EXPECT_EQ(cf.raw("myhostname").value(), "mail.example.test");
  EXPECT_EQ(cf.raw("smtpd_sender_login_maps").value(), "pcre:/etc/postfix/a.pcre,    texthash:/etc/postfix/b");
  EXPECT_EQ(cf.raw("mydestination").value(), "localhost");
  EXPECT_EQ(cf.origin("myhostname"), "main.cf:3");
}

TEST(MainCf, AcceptsPerServiceParameterNames) {
  // The classic guide's `policy-spf_time_limit = 3600s`: service names may hold '-'.
  EXPECT_EQ(parse("policy-spf_time_limit = 3600s\n").raw("policy-spf_time_limit").value(), "3600s");
}

TEST(MainCf, LaterLineWins) { EXPECT_EQ(parse("a = 1\na = 2\n").raw("a").value(), "2"); }

struct ExpandCase {
  std::string_view name, text, want;
};
class Expand : public ::testing::TestWithParam<ExpandCase> {};

TEST_P(Expand, FollowsPostconf) {
  const MainCf cf = parse("d = example.test\nh = mail.$d\nempty =\n");
  const auto got = cf.expand_text(GetParam().text);
  ASSERT_TRUE(got.has_value()) << GetParam().name << ": " << got.error().detail;
  EXPECT_EQ(*got, GetParam().want) << GetParam().name;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, Expand,
    ::testing::Values(ExpandCase{"plain", "abc", "abc"}, ExpandCase{"dollar name", "$d", "example.test"},
                      ExpandCase{"braces", "${d}x", "example.testx"}, ExpandCase{"parens", "$(d)", "example.test"},
                      ExpandCase{"recursive", "$h", "mail.example.test"},
                      ExpandCase{"unknown is empty", "a$nope.b", "a.b"}, ExpandCase{"double dollar", "$$d", "$d"},
                      ExpandCase{"if set", "${d?yes}", "yes"}, ExpandCase{"if set, empty", "${empty?yes}", ""},
                      ExpandCase{"if unset", "${empty:no}", "no"}, ExpandCase{"if unset, set", "${d:no}", ""},
                      ExpandCase{"trailing dollar", "a$", "a$"}));

TEST(MainCf, SelfReferenceIsAnErrorNotAHang) {
  const MainCf cf = parse("loop = x$loop\n");
  const auto got = cf.expand("loop");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
}

TEST(MainCf, ExponentialGrowthIsRefused) {
  std::string text = "a0 = xxxxxxxxxxxxxxxx\n";
  for (int i = 1; i <= 40; ++i)
    text += "a" + std::to_string(i) + " = $a" + std::to_string(i - 1) + "$a" + std::to_string(i - 1) + "\n";
  const MainCf cf = parse(text);
  const auto got = cf.expand("a40");
  ASSERT_FALSE(got.has_value());
  EXPECT_NE(got.error().detail.find("longer than"), std::string::npos);
}

TEST(MainCf, UnbalancedBraceIsAnError) { EXPECT_FALSE(parse("a = ${b\n").expand("a").has_value()); }

struct BadCase {
  std::string_view name, text;
};
class BadMainCf : public ::testing::TestWithParam<BadCase> {};
TEST_P(BadMainCf, FailsWithFileAndLine) {
  const auto got = parse_main_cf(GetParam().text, "main.cf");
  ASSERT_FALSE(got.has_value()) << GetParam().name;
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_NE(got.error().detail.find("main.cf:"), std::string::npos) << got.error().detail;
}
INSTANTIATE_TEST_SUITE_P(Rows, BadMainCf,
                         ::testing::Values(BadCase{"no equals", "ok = 1\nmyhostname mail\n"},
                                           BadCase{"no name", "= value\n"},
                                           BadCase{"nul byte", std::string_view("a = b\0c\n", 8)},
                                           BadCase{"bad name char", "my+host = x\n"}));

TEST(MainCf, HugeLineIsRefused) {
  const std::string line = "a = " + std::string(70 * 1024, 'x') + "\n";
  EXPECT_FALSE(parse_main_cf(line, "main.cf").has_value());
}

TEST(MainCf, EightBitValuesAreKept) {
  EXPECT_EQ(parse("a = d\xc3\xa9j\xc3\xa0\n").raw("a").value(), "d\xc3\xa9j\xc3\xa0");
}

TEST(LocalFacts, PostfixDefaultsFromTheHostname) {
  const auto f = local_facts(MainCf{}, "mail.example.test");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->myorigin, "mail.example.test");
  EXPECT_TRUE(is_local(*f, "mail.example.test"));
  EXPECT_TRUE(is_local(*f, "localhost.example.test"));
  EXPECT_TRUE(is_local(*f, "LOCALHOST"));
  EXPECT_FALSE(is_local(*f, "example.test"));
  EXPECT_EQ(f->recipient_delimiter, "");
}

TEST(LocalFacts, ClassicGuideMainCf) {
  const MainCf cf = parse(
      "myhostname = mail.example.test\nmydomain = example.test\nmyorigin = $mydomain\n"
      "mydestination = $myhostname, localhost.$mydomain, localhost, hash:/etc/postfix/d\n"
      "inet_interfaces = 127.0.0.1, [::1], mail.example.test\nrecipient_delimiter = +-\n");
  const auto f = local_facts(cf, "ignored");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->myorigin, "example.test");
  EXPECT_TRUE(is_local(*f, "example.test"));
  EXPECT_TRUE(is_local(*f, "Example.Test."));
  EXPECT_TRUE(is_local(*f, "mail.example.test"));
  EXPECT_TRUE(is_local(*f, "[127.0.0.1]"));
  EXPECT_TRUE(is_local(*f, "[::1]"));
  EXPECT_FALSE(is_local(*f, "other.test"));
  EXPECT_EQ(f->recipient_delimiter, "+-");
  EXPECT_EQ(f->unresolved.size(), 2u);  // the hash: table and the host name
}

TEST(SplitList, CommasAndWhitespace) {
  EXPECT_EQ(split_list(" a, b\tc ,,d "), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_TRUE(split_list("").empty());
}

}  // namespace
}  // namespace cachet::postfix
