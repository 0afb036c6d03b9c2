// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/pcre_table_test.cpp: pcre_table(5) syntax, substitution,
// errors and resource limits. Expected answers were checked with postmap 3.7.11.
#include "common/tables/pcre_table.hpp"
#include "common/tables/lines.hpp"
#include "tests/unit/common/tables/answer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace cachet::tables {
namespace {

std::unique_ptr<Table> load(std::string_view text, bool strict = false) {
  auto t = parse_pcre_table(text, "t.pcre", PcreOptions{strict, true});
  EXPECT_TRUE(t.has_value()) << (t ? "" : t.error().detail);
  return t ? std::move(*t) : nullptr;
}

struct LookupCase {
  std::string_view name, table, key, want;
};
class PcreLookup : public ::testing::TestWithParam<LookupCase> {};

TEST_P(PcreLookup, AnswersAsPostmap) {
  const LookupCase& c = GetParam();
  const auto t = load(c.table);
  ASSERT_TRUE(t);
  EXPECT_EQ(ask(*t, c.key), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Syntax, PcreLookup,
    ::testing::Values(LookupCase{"empty table", "", "a", "notfound"},
                      LookupCase{"minimal rule", "/a/ x", "a", "found:x"},
                      LookupCase{"first match wins", "/a/ 1\n/a/ 2", "a", "found:1"},
                      LookupCase{"default caseless", "/^abc$/ x", "ABC", "found:x"},
                      LookupCase{"i toggles to case-sensitive", "/^abc$/i x", "ABC", "notfound"},
                      LookupCase{"ii toggles back", "/^abc$/ii x", "ABC", "found:x"},
                      LookupCase{"s default: dot matches newline", "/^a.b$/ x", "a\nb", "found:x"},
                      LookupCase{"s toggles dotall off", "/^a.b$/s x", "a\nb", "notfound"},
                      LookupCase{"m multiline", "/^b$/m x", "a\nb", "found:x"},
                      LookupCase{"without m", "/^b$/ x", "a\nb", "notfound"},
                      LookupCase{"x extended", "/^ a b c $/x x", "abc", "found:x"},
                      LookupCase{"A anchored", "/b/A x", "ab", "notfound"},
                      LookupCase{"A anchored at start", "/a/A x", "ab", "found:x"},
                      LookupCase{"E dollar end only", "/a$/E x", "a\n", "notfound"},
                      LookupCase{"without E", "/a$/ x", "a\n", "found:x"},
                      LookupCase{"U ungreedy", "/^(.+)-/U $1", "a-b-c", "found:a"},
                      LookupCase{"X obsolete ignored", "/^a$/X x", "a", "found:x"},
                      LookupCase{"unknown flag skips rule", "/^a$/q x\n/a/ y", "a", "found:y"},
                      LookupCase{"negation", "!/^a$/ x", "b", "found:x"},
                      LookupCase{"negation not firing", "!/^a$/ x", "a", "notfound"},
                      LookupCase{"double negation", "!!/^a$/ x", "a", "found:x"},
                      LookupCase{"negation with spaces", "! /^a$/ x", "b", "found:x"},
                      LookupCase{"other delimiter", "~^a/b$~ x", "a/b", "found:x"},
                      LookupCase{"escaped delimiter", "/^a\\/b$/ x", "a/b", "found:x"},
                      LookupCase{"comma delimiter", ",^a$, x", "a", "found:x"},
                      LookupCase{"comment and blank", "# c\n\n   \n/a/ x", "a", "found:x"},
                      LookupCase{"continuation keeps whitespace", "/a/ one\n  two\n\tthree", "a",
                                 "found:one  two\tthree"},
                      LookupCase{"comment inside continuation", "/a/ one\n# c\n two", "a", "found:one two"},
                      LookupCase{"trailing whitespace trimmed", "/a/ x  \t", "a", "found:x"},
                      LookupCase{"CRLF line ends", "/^a$/ x\r\n/b/ y\r\n", "a", "found:x"},
                      LookupCase{"no result is empty", "/a/", "a", "found:"},
                      LookupCase{"if true", "if /@x$/\n/^a/ in\nendif\n/a/ out", "a@x", "found:in"},
                      LookupCase{"if false skips block", "if /@x$/\n/^a/ in\nendif\n/a/ out", "a@y", "found:out"},
                      LookupCase{"if not", "if !/@x$/\n/^a/ in\nendif", "a@y", "found:in"},
                      LookupCase{"IF ENDIF upper case", "IF /@x$/\n/^a/ in\nENDIF", "a@x", "found:in"},
                      LookupCase{"if without space", "if/@x$/\n/^a/ in\nendif", "a@x", "found:in"},
                      LookupCase{"nested if", "if /x/\nif /y/\n/./ xy\nendif\n/./ x\nendif", "xz", "found:x"},
                      LookupCase{"nested if both", "if /x/\nif /y/\n/./ xy\nendif\n/./ x\nendif", "xy", "found:xy"},
                      LookupCase{"if without endif, false", "if /x/\n/./ in", "y", "notfound"},
                      LookupCase{"endif without if ignored", "endif\n/a/ x", "a", "found:x"},
                      LookupCase{"unrecognized line skipped", "foo bar\n/a/ x", "a", "found:x"},
                      LookupCase{"leading whitespace first line ignored", "  /a/ x\n/a/ y", "a", "found:y"},
                      LookupCase{"bad regex skipped", "/a(/ x\n/a/ y", "a", "found:y"},
                      LookupCase{"named group by number", "/^(?<u>.)/ $1", "ab", "found:a"},
                      LookupCase{"8-bit key", "/^\xc3\xa4$/ x", "\xc3\xa4", "found:x"}));

INSTANTIATE_TEST_SUITE_P(
    Substitution, PcreLookup,
    ::testing::Values(LookupCase{"dollar n", "/^(a)(b)$/ $2$1", "ab", "found:ba"},
                      LookupCase{"braces", "/^(a)$/ ${1}x", "a", "found:ax"},
                      LookupCase{"parens", "/^(a)$/ $(1)x", "a", "found:ax"},
                      LookupCase{"dollar dollar", "/^(a)$/ $$1", "a", "found:$1"},
                      LookupCase{"literal only dollars", "/^a$/ $$ $$", "a", "found:$ $"},
                      LookupCase{"unset group is empty", "/^(a)(b)?$/ [$2]", "a", "found:[]"},
                      LookupCase{"empty group is empty", "/^(a)(b*)$/ [$2]", "a", "found:[]"},
                      LookupCase{"group ten", "/^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$/ ${10}$1", "abcdefghij", "found:ja"},
                      LookupCase{"$10 means group ten", "/^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$/ $10", "abcdefghij",
                                 "found:j"},
                      LookupCase{"$1x is a bad name: rule skipped", "/^(a)$/ $1x\n/a/ y", "a", "found:y"},
                      LookupCase{"$ at end: rule skipped", "/^(a)$/ x$\n/a/ y", "a", "found:y"},
                      LookupCase{"$ space: rule skipped", "/^(a)$/ x$ z\n/a/ y", "a", "found:y"},
                      LookupCase{"$0 out of range", "/^(a)$/ $0\n/a/ y", "a", "found:y"},
                      LookupCase{"$2 with one group", "/^(a)$/ $2\n/a/ y", "a", "found:y"},
                      LookupCase{"unbalanced brace", "/^(a)$/ ${1\n/a/ y", "a", "found:y"},
                      LookupCase{"$name rejected", "/^(a)$/ ${user}\n/a/ y", "a", "found:y"},
                      LookupCase{"negated with $1 skipped", "!/^(b)$/ $1\n/a/ y", "a", "found:y"},
                      LookupCase{"huge group number", "/^(a)$/ ${99999999999999999999}\n/a/ y", "a", "found:y"}));

TEST(PcreTable, ExplainsWhichRuleMatched) {
  const auto t = load("# c\n/^b/ no\nif /x/\n/^(a)/ yes-$1\n  more\nendif\n");
  ASSERT_TRUE(t);
  const auto got = t->lookup_explained("ax");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->value, "yes-a  more");
  EXPECT_EQ((*got)->source, "t.pcre:4");
  EXPECT_EQ((*got)->rule, "/^(a)/ yes-$1  more");
  EXPECT_EQ(t->name(), "pcre:t.pcre");
  EXPECT_EQ(t->kind(), TableKind::pattern);
}

TEST(PcreTable, WarnsWithFileAndLineForEverySkippedRule) {
  const auto t = load("/a(/ x\n/b/q y\nendif\nif /z/\n/c/ $0\n");
  ASSERT_TRUE(t);
  const auto& w = t->warnings();
  ASSERT_EQ(w.size(), 5u);
  EXPECT_NE(w[0].find("t.pcre:1: error in regex at offset"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("missing closing parenthesis"), std::string::npos) << w[0];
  EXPECT_NE(w[1].find("t.pcre:2: unknown regexp option \"q\""), std::string::npos) << w[1];
  EXPECT_NE(w[2].find("t.pcre:3: ignoring ENDIF without matching IF"), std::string::npos) << w[2];
  EXPECT_NE(w[3].find("t.pcre:5: out of range replacement index"), std::string::npos) << w[3];
  EXPECT_NE(w[4].find("t.pcre:4: IF has no matching ENDIF"), std::string::npos) << w[4];
}

struct StrictCase {
  std::string_view name, table, want_in_error;
};
class PcreStrict : public ::testing::TestWithParam<StrictCase> {};

TEST_P(PcreStrict, RefusesTheTable) {
  const StrictCase& c = GetParam();
  const auto got = parse_pcre_table(c.table, "t.pcre", PcreOptions{true, true});
  ASSERT_FALSE(got.has_value()) << c.name;
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_NE(got.error().detail.find(c.want_in_error), std::string::npos) << c.name << ": " << got.error().detail;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PcreStrict,
    ::testing::Values(StrictCase{"bad regex", "/a/ x\n/a(/ y", "t.pcre:2: error in regex"},
                      StrictCase{"bad flag", "/a/z y", "t.pcre:1: unknown regexp option \"z\""},
                      StrictCase{"no closing delimiter", "/abc y", "t.pcre:1: no closing regexp delimiter"},
                      StrictCase{"unclosed if", "if /a/\n/b/ c", "t.pcre:1: IF has no matching ENDIF"},
                      StrictCase{"stray endif", "/b/ c\nendif", "t.pcre:2: ignoring ENDIF without matching IF"},
                      StrictCase{"text after endif", "if /a/\nendif x", "t.pcre:2: ignoring extra text after ENDIF"},
                      StrictCase{"text after if", "if /a/ x\nendif", "t.pcre:1: ignoring extra text after IF"},
                      StrictCase{"empty result", "/a/", "t.pcre:1: no replacement text"},
                      StrictCase{"leading whitespace", " /a/ b", "t.pcre:1: logical line must not start"},
                      StrictCase{"unrecognized", "abc", "t.pcre:1: ignoring unrecognized request"}));

TEST(PcreTable, NulByteIsALoadError) {
  const std::string text("/a/ x\n/b/ y\0z\n", 14);
  const auto got = parse_pcre_table(text, "t.pcre");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, Errc::config);
  EXPECT_EQ(got.error().detail, "t.pcre:2: NUL byte in table file");
}

TEST(PcreTable, LinesAtTheLimitLoadAndAboveAreRefused) {
  std::string at = "/a/ " + std::string(kMaxLineBytes - 4, 'v');
  EXPECT_TRUE(parse_pcre_table(at, "t.pcre").has_value());
  const auto over = parse_pcre_table(at + "v", "t.pcre");
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().detail.find("t.pcre:1: line longer than"), std::string::npos);
}

TEST(PcreTable, NestingAtTheLimitLoadsAndDeeperIsRefused) {
  auto nest = [](std::size_t depth) {
    std::string t;
    for (std::size_t i = 0; i < depth; ++i) t += "if /a/\n";
    t += "/a/ deep\n";
    for (std::size_t i = 0; i < depth; ++i) t += "endif\n";
    return t;
  };
  const auto at = parse_pcre_table(nest(kMaxPcreNesting), "t.pcre");
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(ask(**at, "a"), "found:deep");
  const auto over = parse_pcre_table(nest(kMaxPcreNesting + 1), "t.pcre");
  ASSERT_FALSE(over.has_value());
  EXPECT_NE(over.error().detail.find("IF nested deeper than"), std::string::npos);
}

TEST(PcreTable, CatastrophicBacktrackingIsTemporaryNotNotFound) {
  for (bool jit : {true, false}) {
    auto t = parse_pcre_table("/^(a+)+$/ x\n/./ fallback", "t.pcre", PcreOptions{false, jit});
    ASSERT_TRUE(t.has_value());
    const std::string key = std::string(40, 'a') + "b";
    const auto got = (*t)->lookup(key);
    ASSERT_FALSE(got.has_value()) << "jit=" << jit;
    EXPECT_EQ(got.error().code, Errc::temporary);
    EXPECT_NE(got.error().detail.find("t.pcre:1:"), std::string::npos) << got.error().detail;
  }
}

TEST(PcreTable, CatastrophicNegatedRuleIsTemporaryToo) {
  const auto t = load("!/^(a+)+$/ x");
  ASSERT_TRUE(t);
  EXPECT_EQ(ask(*t, std::string(40, 'a') + "b"), "error:temporary");
}

TEST(PcreTable, OversizedOrNulKeyIsBadInput) {
  const auto t = load("/./ x");
  ASSERT_TRUE(t);
  EXPECT_EQ(ask(*t, std::string(kMaxKeyBytes, 'a')), "found:x");
  EXPECT_EQ(ask(*t, std::string(kMaxKeyBytes + 1, 'a')), "error:bad_input");
  EXPECT_EQ(ask(*t, std::string("a\0b", 3)), "error:bad_input");
}

TEST(PcreTable, InlineRules) {
  auto t = parse_inline_pcre_table("{ {/^a@x$/ v1}, {/b/ v2 with spaces} }");
  ASSERT_TRUE(t.has_value()) << t.error().detail;
  EXPECT_EQ(ask(**t, "A@x"), "found:v1");
  EXPECT_EQ(ask(**t, "b"), "found:v2 with spaces");
  const auto m = (*t)->lookup_explained("b");
  EXPECT_EQ((*m)->source, "pcre:{ {/^a@x$/ v1}, {/b/ v2 with spaces} }:2");
  EXPECT_FALSE(parse_inline_pcre_table("{ /a/ x }").has_value());
  EXPECT_FALSE(parse_inline_pcre_table("{ {/a/ x} ").has_value());
  EXPECT_FALSE(parse_inline_pcre_table("/a/ x").has_value());
}

TEST(PcreTable, ConcurrentLookupsAgree) {
  const auto t = load("/^(.+)@(.+)$/ $2:$1");
  ASSERT_TRUE(t);
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      for (int n = 0; n < 500; ++n) {
        const std::string k = "u" + std::to_string(i) + "@d" + std::to_string(n);
        if (ask(*t, k) != "found:d" + std::to_string(n) + ":u" + std::to_string(i)) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace cachet::tables
