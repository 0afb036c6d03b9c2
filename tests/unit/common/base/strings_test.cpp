// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/strings_test.cpp: ASCII helpers and Result.
#include "common/base/strings.hpp"
#include "common/base/result.hpp"

#include <gtest/gtest.h>

#include <unordered_map>

namespace cachet {
namespace {

TEST(Strings, IequalsIgnoresAsciiCaseOnly) {
  EXPECT_TRUE(iequals("KeyTable", "keytable"));
  EXPECT_FALSE(iequals("KeyTable", "keytabl"));
  EXPECT_FALSE(iequals("\xc3\x84", "\xc3\xa4"));  // no locale folding of 8-bit bytes
}

TEST(Strings, CaseAndAsciiChecks) {
  std::string out = "Keep:";
  append_lower(out, "MiXed-\xc3\x84Z");
  EXPECT_EQ(out, "Keep:mixed-\xc3\x84z");  // 8-bit bytes untouched
  append_lower(out, "");
  EXPECT_EQ(out, "Keep:mixed-\xc3\x84z");
  EXPECT_TRUE(is_ascii(""));
  EXPECT_TRUE(is_ascii("a\x7f"));
  EXPECT_FALSE(is_ascii("a\x80"));
}

TEST(Strings, StringHashFindsByView) {
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> m{{"example.com", 1}};
  EXPECT_EQ(m.find(std::string_view("mail.example.com").substr(5))->second, 1);
  EXPECT_EQ(m.find(std::string_view("example.co")), m.end());
}

TEST(Strings, TrimStripsBlanksAtBothEnds) {
  EXPECT_EQ(trim("  a b \t\r\n"), "a b");
  EXPECT_EQ(trim(" \t "), "");
  EXPECT_EQ(trim(""), "");
}

TEST(Strings, SplitKeepsEmptyFields) {
  const auto got = split("a,,b,", ',');
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1], "");
  EXPECT_EQ(got[3], "");
}

TEST(Strings, ForEachSplitGivesSplitsFieldsInOrder) {
  for (const std::string_view s : {"", ",", "a", "a,,b,", ",a"}) {
    std::vector<std::string_view> got;
    for_each_split(s, ',', [&](std::string_view field) { got.push_back(field); });
    EXPECT_EQ(got, split(s, ',')) << s;
  }
  const auto one = split("", ',');
  ASSERT_EQ(one.size(), 1u);  // the empty string is one empty field
  EXPECT_EQ(one[0], "");
}

TEST(Strings, ParseUintRejectsJunkAndOverflow) {
  EXPECT_EQ(parse_uint("0"), 0u);
  EXPECT_EQ(parse_uint("18446744073709551615"), 18446744073709551615u);
  EXPECT_FALSE(parse_uint("18446744073709551616"));
  EXPECT_FALSE(parse_uint(""));
  EXPECT_FALSE(parse_uint("-1"));
  EXPECT_FALSE(parse_uint("1 "));
  EXPECT_FALSE(parse_uint("0x10"));
}

TEST(Strings, Utf8AcceptsWellFormedOnly) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("example.com"));
  EXPECT_TRUE(
      is_valid_utf8("b\xC3\xBC"
                    "cher.example"));               // U+00FC
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));       // U+20AC
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));   // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF, the last
  EXPECT_FALSE(is_valid_utf8("\x81"));              // lone continuation
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));  // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

Result<int> half(int v) {
  if (v % 2 != 0) return fail(Errc::bad_input, "odd");
  return v / 2;
}

TEST(ResultType, CarriesValueOrError) {
  const auto ok = half(4);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 2);
  const auto bad = half(3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::bad_input);
  EXPECT_EQ(bad.error().detail, "odd");
  EXPECT_EQ(bad.value_or(7), 7);
}

}  // namespace
}  // namespace cachet
