// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/fixed_table_test.cpp: texthash/hash source, inline: and
// static: tables. Expected answers were checked with postmap 3.7.11 (texthash:, inline:).
#include "common/tables/fixed_table.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/tables/lines.hpp"
#include "tests/unit/common/tables/answer.hpp"

namespace cachet::tables {
namespace {

struct TextCase {
  std::string_view name, table, key, want;
};
class TextTable : public ::testing::TestWithParam<TextCase> {};

TEST_P(TextTable, AnswersAsPostmap) {
  const TextCase& c = GetParam();
  auto t = parse_text_table(c.table, "t", "texthash:t");
  ASSERT_TRUE(t.has_value()) << t.error().detail;
  EXPECT_EQ(ask(**t, c.key), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Texthash, TextTable,
    ::testing::Values(TextCase{"empty", "", "a", "notfound"}, TextCase{"minimal", "a b", "a", "found:b"},
                      TextCase{"value keeps inner spaces", "a  b  c  ", "a", "found:b  c"},
                      TextCase{"tab separator", "a\tb", "a", "found:b"},
                      TextCase{"key folded at load", "Alice@Example.COM x", "alice@example.com", "found:x"},
                      TextCase{"key folded at lookup", "alice x", "ALICE", "found:x"},
                      TextCase{"value not folded", "a MiXed", "a", "found:MiXed"},
                      TextCase{"duplicate keeps first", "a first\nA second", "a", "found:first"},
                      TextCase{"no value skipped", "novalue\nb c", "novalue", "notfound"},
                      TextCase{"value on continuation", "novalue\n  \n b cont", "novalue", "found:b cont"},
                      TextCase{"comments", "# x y\na b\n  # c\n", "a", "found:b"},
                      TextCase{"partial key no match", "user@example.com x", "user", "notfound"},
                      TextCase{"at-domain key", "@example.com x", "@EXAMPLE.com", "found:x"},
                      TextCase{"8-bit key", "\xc3\xa4 x", "\xc3\xa4", "found:x"}));

TEST(TextTable, ExplainsEntryAndWarnsAboutDuplicates) {
  auto t = parse_text_table("# head\nbob alice, bob\nBOB other\nlonely\n", "/etc/x", "hash:/etc/x");
  ASSERT_TRUE(t.has_value());
  const auto m = (*t)->lookup_explained("Bob");
  ASSERT_TRUE(m && m->has_value());
  EXPECT_EQ((*m)->value, "alice, bob");
  EXPECT_EQ((*m)->source, "/etc/x:2");
  EXPECT_EQ((*m)->rule, "bob alice, bob");
  EXPECT_EQ((*t)->kind(), TableKind::fixed);
  ASSERT_EQ((*t)->warnings().size(), 2u);
  EXPECT_EQ((*t)->warnings()[0], "/etc/x:3: duplicate entry: \"BOB\"");
  EXPECT_EQ((*t)->warnings()[1], "/etc/x:4: expected format: key whitespace value");
}

TEST(TextTable, NoFoldKeepsCase) {
  auto t = parse_text_table("Alice x", "t", "texthash:t", LoadOptions{false, false});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(ask(**t, "Alice"), "found:x");
  EXPECT_EQ(ask(**t, "alice"), "notfound");
}

TEST(TextTable, StrictRefusesWhatPostfixWarnsAbout) {
  EXPECT_FALSE(parse_text_table("a b\na c", "t", "texthash:t", LoadOptions{true, true}));
  EXPECT_FALSE(parse_text_table("a", "t", "texthash:t", LoadOptions{true, true}));
  EXPECT_TRUE(parse_text_table("a b", "t", "texthash:t", LoadOptions{true, true}));
}

TEST(TextTable, NulAndHugeLinesAreErrors) {
  const auto nul = parse_text_table(std::string("a b\0", 4), "t", "texthash:t");
  ASSERT_FALSE(nul.has_value());
  EXPECT_EQ(nul.error().detail, "t:1: NUL byte in table file");
  EXPECT_TRUE(parse_text_table("a " + std::string(kMaxLineBytes - 2, 'b'), "t", "texthash:t"));
  EXPECT_FALSE(parse_text_table("a " + std::string(kMaxLineBytes - 1, 'b'), "t", "texthash:t"));
  std::string joined = "a b";
  for (std::size_t n = 0; n * 1000 <= kMaxLogicalLineBytes; ++n) joined += "\n " + std::string(999, 'c');
  const auto big = parse_text_table(joined, "t", "texthash:t");
  ASSERT_FALSE(big.has_value());
  EXPECT_NE(big.error().detail.find("t:1: logical line longer than"), std::string::npos);
}

TEST(TextTable, HundredThousandEntries) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "user" + std::to_string(i) + "@example.com login" + std::to_string(i) + "\n";
  auto t = parse_text_table(text, "t", "texthash:t");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(ask(**t, "USER99999@example.com"), "found:login99999");
  EXPECT_EQ(ask(**t, "user100000@example.com"), "notfound");
}

struct InlineCase {
  std::string_view name, spec, key, want;
};
class InlineTable : public ::testing::TestWithParam<InlineCase> {};

TEST_P(InlineTable, AnswersAsPostmap) {
  const InlineCase& c = GetParam();
  auto t = parse_inline_table(c.spec);
  if (c.want == "load-error") {
    EXPECT_FALSE(t.has_value()) << c.name;
    return;
  }
  ASSERT_TRUE(t.has_value()) << c.name << ": " << t.error().detail;
  EXPECT_EQ(ask(**t, c.key), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Inline, InlineTable,
                         ::testing::Values(InlineCase{"pairs", "{ a=b, c=d }", "c", "found:d"},
                                           InlineCase{"no spaces", "{a=b,c=,d=e}", "a", "found:b"},
                                           InlineCase{"empty value", "{a=b,c=,d=e}", "c", "found:"},
                                           InlineCase{"braced with spaces", "{ a=b, { x = v w } }", "x", "found:v w"},
                                           InlineCase{"key folded", "{ a=b, {x=v w} }", "X", "found:v w"},
                                           InlineCase{"missing", "{ a=b }", "z", "notfound"},
                                           InlineCase{"empty table", "{ }", "z", "load-error"},
                                           InlineCase{"spaces around = unbraced", "{ a = b }", "a", "load-error"},
                                           InlineCase{"key with space", "{ {x y=v} }", "x y", "load-error"},
                                           InlineCase{"no braces", "a=b", "a", "load-error"},
                                           InlineCase{"unbalanced", "{ a=b", "a", "load-error"},
                                           InlineCase{"no equals", "{ a }", "a", "load-error"}));

TEST(StaticTable, EveryKeyFindsTheValue) {
  auto t = make_static_table("alice");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(ask(**t, "anything@x"), "found:alice");
  auto spaced = make_static_table("{ v w }");
  ASSERT_TRUE(spaced.has_value());
  EXPECT_EQ(ask(**spaced, "k"), "found:v w");
  auto empty = make_static_table("{}");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(ask(**empty, "k"), "found:");
  EXPECT_FALSE(make_static_table("").has_value());
  EXPECT_FALSE(make_static_table("{ v").has_value());
}

}  // namespace
}  // namespace cachet::tables
