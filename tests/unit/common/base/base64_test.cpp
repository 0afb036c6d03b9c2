// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/base/base64_test.cpp: RFC 4648 base64 as DKIM uses it.
#include "common/base/base64.hpp"

#include <gtest/gtest.h>

namespace cachet {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> rows[] = {{"", ""},
                                                      {"f", "Zg=="},
                                                      {"fo", "Zm8="},
                                                      {"foo", "Zm9v"},
                                                      {"foob", "Zm9vYg=="},
                                                      {"fooba", "Zm9vYmE="},
                                                      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : rows) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded).value_or("?"), plain);
  }
  EXPECT_EQ(base64_decode(base64_encode(std::string("\0\xff\x80", 3))).value_or(""), std::string("\0\xff\x80", 3));
}

TEST(Base64, RejectsMalformed) {
  for (const char* bad : {"Zg=", "Zg", "Z===", "=Zg=", "Zm9v=Zm9", "Zm 9v", "Zm9*", "Zg==Zg=="}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4)).has_value());
}

TEST(Base64, StripWhitespaceRemovesFws) { EXPECT_EQ(strip_whitespace(" Zm\r\n\t9v "), "Zm9v"); }

}  // namespace
}  // namespace cachet
