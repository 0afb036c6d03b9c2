// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/sender/aliases_test.cpp: the aliases(5) reader behind AllowAliasOwners.
#include "common/sender/aliases.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cachet::sender {
namespace {

TEST(Aliases, EmptyFile) {
  const auto a = parse_aliases("", "aliases");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size(), 0u);
  EXPECT_EQ(a->find("root"), nullptr);
}

TEST(Aliases, GuideEntriesWithContinuationAndComments) {
  const auto a = parse_aliases(
      "# comment\n"
      "root: alice\n"
      "Team: alice, bob,\n"
      "   carol@example.test\n"
      "\n"
      "pipe: \"|/usr/bin/x alice\", /var/mail/file, :include:/etc/list, dave\n",
      "aliases");
  ASSERT_TRUE(a.has_value());
  ASSERT_NE(a->find("ROOT"), nullptr);
  EXPECT_EQ(a->find("root")->members, (std::vector<std::string>{"alice"}));
  EXPECT_EQ(a->find("team")->members, (std::vector<std::string>{"alice", "bob", "carol@example.test"}));
  EXPECT_EQ(a->find("team")->line, 3u);
  EXPECT_EQ(a->find("pipe")->members, (std::vector<std::string>{"dave"}));
}

TEST(Aliases, DuplicateKeepsFirstWithWarning) {
  const auto a = parse_aliases("x: a\nx: b\n", "aliases");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->find("x")->members, (std::vector<std::string>{"a"}));
  ASSERT_EQ(a->warnings().size(), 1u);
  EXPECT_NE(a->warnings()[0].find("aliases:2"), std::string::npos);
}

TEST(Aliases, LineWithoutColonIsSkippedWithWarning) {
  const auto a = parse_aliases("nocolon here\nok: a\n", "aliases");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size(), 1u);
  ASSERT_EQ(a->warnings().size(), 1u);
  EXPECT_NE(a->warnings()[0].find("aliases:1"), std::string::npos);
}

TEST(Aliases, NulByteIsAnErrorWithFileAndLine) {
  const auto a = parse_aliases(std::string_view("ok: a\nx: b\0c\n", 13), "aliases");
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().detail.find("aliases:2"), std::string::npos) << a.error().detail;
}

TEST(Aliases, HugeLineIsAnError) {
  EXPECT_FALSE(parse_aliases("x: " + std::string(70 * 1024, 'a') + "\n", "aliases").has_value());
}

TEST(Aliases, QuotedNameIsSkipped) {
  const auto a = parse_aliases("\"a b\": c\n", "aliases");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->size(), 0u);
  EXPECT_EQ(a->warnings().size(), 1u);
}

}  // namespace
}  // namespace cachet::sender
