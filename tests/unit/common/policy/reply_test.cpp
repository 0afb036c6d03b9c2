// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/policy/reply_test.cpp: the reply writer and the action builders.
#include "common/policy/reply.hpp"

#include <gtest/gtest.h>

namespace cachet::policy {
namespace {

using namespace std::literals;

TEST(FormatReply, WrapsTheActionInOneLineAndABlankLine) {
  const auto got = format_reply("DUNNO");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "action=DUNNO\n\n");
  EXPECT_EQ(format_reply("550 5.7.1 go away").value(), "action=550 5.7.1 go away\n\n");
}

struct BadAction {
  std::string_view name;
  std::string input;
};

TEST(FormatReply, RefusesActionsThatBreakTheFraming) {
  const BadAction cases[] = {
      {"empty", ""},
      {"lf", "DUNNO\naction=OK"},
      {"cr", "REJECT a\rb"},
      {"nul", "REJECT a\0b"s},
      {"one over limit", std::string(kMaxActionBytes + 1, 'x')},
  };
  for (const auto& c : cases) {
    const auto got = format_reply(c.input);
    ASSERT_FALSE(got.has_value()) << c.name;
    EXPECT_EQ(got.error().code, Errc::internal) << c.name;
  }
  EXPECT_TRUE(format_reply(std::string(kMaxActionBytes, 'x')).has_value()) << "at the limit";
}

TEST(Actions, BuildersProduceAccessActions) {
  EXPECT_EQ(dunno(), "DUNNO");
  EXPECT_EQ(dunno(KeywordCase::lower), "dunno");
  EXPECT_EQ(ok(), "OK");
  EXPECT_EQ(reject(""), "REJECT");
  EXPECT_EQ(reject("not allowed"), "REJECT not allowed");
  EXPECT_EQ(defer_if_permit("Service temporarily unavailable"), kTemporaryFailureAction);
  EXPECT_EQ(defer_if_permit("4.7.24 later", KeywordCase::lower), "defer_if_permit 4.7.24 later");
  EXPECT_EQ(defer("try again"), "DEFER try again");
  EXPECT_EQ(prepend("Received-SPF", "Pass (mailfrom)", KeywordCase::lower).value(),
            "prepend Received-SPF: Pass (mailfrom)");
  EXPECT_EQ(prepend("X-Test", "").value(), "PREPEND X-Test: ");
}

TEST(Actions, PrependRefusesHeaderNamesOutsideFtext) {
  for (const auto name : {""sv, "A B"sv, "A:B"sv, "\xc3\xa4"sv, "A\tB"sv})
    EXPECT_FALSE(prepend(name, "v").has_value()) << name;
}

TEST(Actions, SmtpReplyChecksCodeAndEnhancedStatus) {
  EXPECT_EQ(smtp_reply(550, "5.7.1", "no").value(), "550 5.7.1 no");
  EXPECT_EQ(smtp_reply(550, "5.7.23", "Message rejected").value(), "550 5.7.23 Message rejected");
  EXPECT_EQ(smtp_reply(451, "", "later").value(), "451 later");
  EXPECT_EQ(smtp_reply(450, "4.7.1", "").value(), "450 4.7.1");
  EXPECT_FALSE(smtp_reply(250, "2.0.0", "ok").has_value());
  EXPECT_FALSE(smtp_reply(600, "", "x").has_value());
  EXPECT_FALSE(smtp_reply(550, "4.7.1", "class mismatch").has_value());
  EXPECT_FALSE(smtp_reply(550, "5.7", "short").has_value());
  EXPECT_FALSE(smtp_reply(550, "5.7.1234", "long detail").has_value());
  EXPECT_FALSE(smtp_reply(550, "5.x.1", "letters").has_value());
}

TEST(Utf8, AcceptsWellFormedAndRejectsMalformedSequences) {
  const std::pair<std::string_view, bool> cases[] = {
      {"", true},
      {"ascii", true},
      {"j\xc3\xb6rg", true},
      {"\xe2\x82\xac", true},
      {"\xf0\x9f\x98\x80", true},
      {"\xc3", false},              // truncated
      {"\x80", false},              // lone continuation
      {"\xc0\xaf", false},          // overlong
      {"\xe0\x80\xaf", false},      // overlong, 3 bytes
      {"\xed\xa0\x80", false},      // surrogate
      {"\xf4\x90\x80\x80", false},  // beyond U+10FFFF
      {"\xff", false},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(is_valid_utf8(in), want) << in;
}

}  // namespace
}  // namespace cachet::policy
