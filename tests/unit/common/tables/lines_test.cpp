// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/tables/lines_test.cpp: logical lines and brace lists.
#include "common/tables/lines.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::tables {
namespace {

TEST(LogicalLines, JoinsContinuationsAndSkipsComments) {
  const auto got = read_logical_lines("# c\na 1\n  b\n\n# x\n\tc  \nd\n", "f");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->lines.size(), 2u);
  EXPECT_EQ(got->lines[0].line, 2u);
  EXPECT_EQ(got->lines[0].text, "a 1  b\tc");
  EXPECT_EQ(got->lines[1].line, 7u);
  EXPECT_EQ(got->lines[1].text, "d");
  EXPECT_TRUE(got->warnings.empty());
}

TEST(LogicalLines, EmptyAndWhitespaceOnlyInput) {
  EXPECT_TRUE(read_logical_lines("", "f")->lines.empty());
  EXPECT_TRUE(read_logical_lines("\n \n\t\n", "f")->lines.empty());
}

TEST(LogicalLines, LeadingWhitespaceWithoutALineIsIgnoredWithAWarning) {
  const auto got = read_logical_lines(" a\nb\n", "f");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->lines.size(), 1u);
  ASSERT_EQ(got->warnings.size(), 1u);
  EXPECT_EQ(got->warnings[0].rfind("f:1: ", 0), 0u);
}

TEST(LogicalLines, NulByteAndLimits) {
  EXPECT_EQ(read_logical_lines(std::string("a\n\0", 3), "f").error().detail, "f:2: NUL byte in table file");
  EXPECT_TRUE(read_logical_lines(std::string(kMaxLineBytes, 'a'), "f").has_value());
  EXPECT_FALSE(read_logical_lines(std::string(kMaxLineBytes + 1, 'a'), "f").has_value());
  EXPECT_TRUE(read_logical_lines("\xff\xfe \x80", "f").has_value());  // 8-bit is data
}

TEST(BraceList, SplitsOutsideBracesOnly) {
  const auto got = split_brace_list(" a, {b c}, {d {e} f} ,g ");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[1], "{b c}");
  EXPECT_EQ((*got)[2], "{d {e} f}");
  EXPECT_FALSE(split_brace_list("{a").has_value());
  EXPECT_FALSE(split_brace_list("a}").has_value());
  EXPECT_TRUE(split_brace_list("")->empty());
}

TEST(BraceList, LimitOnElements) {
  std::string at, over;
  for (std::size_t i = 0; i < kMaxInlineElements; ++i) at += "a,";
  over = at + "a";
  EXPECT_TRUE(split_brace_list(at).has_value());
  EXPECT_FALSE(split_brace_list(over).has_value());
}

TEST(BraceList, StripBraces) {
  EXPECT_EQ(*strip_braces("{ a b }"), "a b");
  EXPECT_EQ(*strip_braces("ab"), "ab");
  EXPECT_EQ(*strip_braces("{}"), "");
  EXPECT_FALSE(strip_braces("{a}b").has_value());
  EXPECT_FALSE(strip_braces("{a").has_value());
}

}  // namespace
}  // namespace cachet::tables
