// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/mail/header_test.cpp: RFC 5322 header section reader.
#include "common/mail/header.hpp"

#include <gtest/gtest.h>

namespace cachet::mail {
namespace {

TEST(SplitMessage, KeepsFoldingAndSplitsBody) {
  const auto got = split_message("From: a@x\r\nSubject: one\r\n\ttwo\r\n\r\nbody\r\n");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->headers.size(), 2u);
  EXPECT_EQ(got->headers[0].name, "From");
  EXPECT_EQ(got->headers[0].value, " a@x");
  EXPECT_EQ(got->headers[1].value, " one\r\n\ttwo");
  EXPECT_EQ(got->body, "body\r\n");
}

TEST(SplitMessage, TurnsBareLfIntoCrlf) {
  const auto got = split_message("A: 1\n 2\n\nx\ny\n");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->headers[0].value, " 1\r\n 2");
  EXPECT_EQ(got->body, "x\r\ny\r\n");
}

struct SplitCase {
  std::string_view name;
  std::string_view input;
  bool want_ok;
  std::size_t want_headers;
};

class SplitRows : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitRows, AcceptsOnlyRfc5322Headers) {
  const auto& c = GetParam();
  const auto got = split_message(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name;
  if (got) {
    EXPECT_EQ(got->headers.size(), c.want_headers) << c.name;
  }
}

const std::string kManyHeaders = [] {
  std::string s;
  for (std::size_t i = 0; i < kMaxHeaders; ++i) s += "X-H: " + std::to_string(i) + "\r\n";
  return s;
}();
const std::string kTooManyHeaders = kManyHeaders + "X-H: last\r\n";
const std::string kHugeFolded = "Subject: a" + [] {
  std::string s;
  for (int i = 0; i < 5000; ++i) s += "\r\n\tfolded line of text";
  return s;
}() + "\r\n\r\n";
const std::string kOverBytes = "X: " + std::string(kMaxHeaderBytes, 'a') + "\r\n";

INSTANTIATE_TEST_SUITE_P(Rfc5322, SplitRows,
                         ::testing::Values(SplitCase{"empty", "", true, 0},
                                           SplitCase{"only blank line", "\r\n", true, 0},
                                           SplitCase{"minimal", "A:b", true, 1},
                                           SplitCase{"no colon", "From a@x\r\n\r\n", false, 0},
                                           SplitCase{"mbox separator", "From a@x Mon Jan 1\r\nA: b\r\n", false, 0},
                                           SplitCase{"continuation first", " x\r\nA: b\r\n", false, 0},
                                           SplitCase{"empty name", ": x\r\n", false, 0},
                                           SplitCase{"space before colon", "B : y\r\n", true, 1},
                                           SplitCase{"8-bit name", "Fr\xc3\xb6m: x\r\n", false, 0},
                                           SplitCase{"NUL in value", std::string_view("A: x\0y\r\n", 8), true, 1},
                                           SplitCase{"8-bit value", "Subject: caf\xc3\xa9\r\n", true, 1},
                                           SplitCase{"at header limit", kManyHeaders, true, kMaxHeaders},
                                           SplitCase{"over header limit", kTooManyHeaders, false, 0},
                                           SplitCase{"huge folded", kHugeFolded, true, 1},
                                           SplitCase{"over byte limit", kOverBytes, false, 0}));

TEST(FieldName, ValidatesPrintableAsciiWithoutColon) {
  EXPECT_TRUE(is_valid_field_name("DKIM-Signature"));
  EXPECT_FALSE(is_valid_field_name(""));
  EXPECT_FALSE(is_valid_field_name("A B"));
  EXPECT_FALSE(is_valid_field_name("A:B"));
  EXPECT_FALSE(is_valid_field_name("\x7f"));
}

TEST(Unfold, RemovesOnlyLineBreaksBeforeWsp) {
  EXPECT_EQ(unfold(" a\r\n\tb\r\n c"), " a\tb c");
  EXPECT_EQ(unfold("a\n b"), "a b");
  EXPECT_EQ(unfold("a\r\nb"), "a\r\nb");
  EXPECT_EQ(unfold(""), "");
}

}  // namespace
}  // namespace cachet::mail
