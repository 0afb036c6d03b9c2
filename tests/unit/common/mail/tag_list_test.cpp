// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/mail/tag_list_test.cpp: RFC 6376 s3.2 tag=value lists.
#include "common/mail/tag_list.hpp"

#include <gtest/gtest.h>

namespace cachet::mail {
namespace {

struct TagCase {
  std::string_view name;
  std::string_view input;
  bool want_ok;
};

class ParseTagList : public ::testing::TestWithParam<TagCase> {};

TEST_P(ParseTagList, AcceptsOnlyValidLists) {
  const TagCase& c = GetParam();
  const auto got = parse_tag_list(c.input);
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << " input='" << c.input << "'"
                                        << (got ? "" : " error=" + got.error().detail);
}

const std::string kAtLimit = [] {
  std::string s;
  for (std::size_t i = 0; i < kMaxTags; ++i) s += "t" + std::to_string(i) + "=v;";
  return s;
}();
const std::string kOverLimit = kAtLimit + "extra=1";
const std::string kTooLong = "p=" + std::string(kMaxTagListBytes, 'A');
const std::string kLongFolded = [] {
  std::string s = "b=";
  for (int i = 0; i < 500; ++i) s += "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n\t ";
  return s + "AA";
}();

INSTANTIATE_TEST_SUITE_P(
    Rfc6376, ParseTagList,
    ::testing::Values(TagCase{"empty input", "", false}, TagCase{"only spaces", "   ", false},
                      TagCase{"one tag", "v=1", true}, TagCase{"trailing semicolon", "v=1;", true},
                      TagCase{"trailing semicolon and space", "v=1; ", true}, TagCase{"duplicate", "v=1; v=1", false},
                      TagCase{"duplicate other case ok", "v=1; V=1", true}, TagCase{"missing equals", "v", false},
                      TagCase{"missing equals mid", "a=1; t; p=x", false}, TagCase{"empty value", "p=", true},
                      TagCase{"empty value mid", "g=; p=x", true}, TagCase{"double semicolon", "a=1;;b=2", false},
                      TagCase{"leading semicolon", ";a=1", false},
                      TagCase{"spaces around equals", " x1 = extra ; t = y:n:extra", true},
                      TagCase{"folded value", "h=From:\r\n\tTo; b=abc\r\n def", true},
                      TagCase{"fold without WSP", "h=From:\r\nTo", false}, TagCase{"bare CR", "h=a\rb", false},
                      TagCase{"bare LF fold", "h=a\n b", true}, TagCase{"tag name digit first", "1a=x", false},
                      TagCase{"tag name underscore", "a_b=x", true}, TagCase{"tag name dash", "a-b=x", false},
                      TagCase{"NUL in value", std::string_view("a=x\0y", 5), false},
                      TagCase{"8-bit in value", "a=caf\xc3\xa9", false}, TagCase{"DEL in value", "a=x\x7f", false},
                      TagCase{"RFC 6376 A.2 signature",
                              "v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n      c=simple/simple; "
                              "q=dns/txt; i=joe@football.example.com;\r\n      h=Received : From : To : "
                              "Subject : Date : Message-ID;\r\n      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
                              true},
                      TagCase{"key record duplicated in one string (rspamd#2999)",
                              "v=DKIM1; k=ed25519;p=AAAA=v=DKIM1; k=ed25519;p=AAAA", false},
                      TagCase{"at tag limit", kAtLimit, true}, TagCase{"over tag limit", kOverLimit, false},
                      TagCase{"over byte limit", kTooLong, false}, TagCase{"huge folded value", kLongFolded, true}));

TEST(TagList, KeepsInnerWhitespaceAndTrimsEnds) {
  const auto got = parse_tag_list("  a =  x  y \t;b=");
  ASSERT_TRUE(got.has_value());
  ASSERT_EQ(got->tags.size(), 2u);
  EXPECT_EQ(got->tags[0].name, "a");
  EXPECT_EQ(got->tags[0].value, "x  y");
  EXPECT_EQ(got->find("b")->value, "");
  EXPECT_EQ(got->find("c"), nullptr);
}

}  // namespace
}  // namespace cachet::mail
