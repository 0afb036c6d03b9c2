// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/name_test.cpp: normalize_name() and wire_name_to_text() rows.
#include "common/dns/name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/dns/resolver.hpp"

namespace cachet::dns {
namespace {

std::string labels(std::size_t count, std::size_t len) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += (i ? "." : "") + std::string(len, 'a');
  return out;
}

struct NameCase {
  std::string name, input;
  bool want_ok;
  std::string want;
};

class NormalizeName : public ::testing::TestWithParam<NameCase> {};

TEST_P(NormalizeName, AcceptsOnlyValidNames) {
  const NameCase& c = GetParam();
  const auto got = normalize_name(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name;
  if (c.want_ok) {
    EXPECT_EQ(*got, c.want) << c.name;
  }
  // is_normalized_name(): exactly the inputs normalize_name() returns unchanged.
  EXPECT_EQ(is_normalized_name(c.input), c.want_ok && c.want == c.input) << c.name;
}

// 4 labels of 63 = 255 with dots; 3*63 + 61 + 3 dots = 253.
const std::string kName253 = labels(3, 63) + "." + std::string(61, 'b');
const std::string kName254 = labels(3, 63) + "." + std::string(62, 'b');

INSTANTIATE_TEST_SUITE_P(
    Rfc1035, NormalizeName,
    ::testing::Values(NameCase{"empty", "", false, ""}, NameCase{"root alone", ".", false, ""},
                      NameCase{"minimal", "a", true, "a"},
                      NameCase{"lower-cased, dot dropped", "Mail.Example.ORG.", true, "mail.example.org"},
                      NameCase{"underscore labels", "s1._domainkey.example.org", true, "s1._domainkey.example.org"},
                      NameCase{"empty label", "a..b", false, ""}, NameCase{"leading dot", ".a", false, ""},
                      NameCase{"two trailing dots", "a..", false, ""},
                      NameCase{"label at 63", std::string(63, 'x') + ".org", true, std::string(63, 'x') + ".org"},
                      NameCase{"label at 64", std::string(64, 'x') + ".org", false, ""},
                      NameCase{"name at 253", kName253, true, kName253},
                      NameCase{"name at 253 plus dot", kName253 + ".", true, kName253},
                      NameCase{"name at 254", kName254, false, ""},
                      NameCase{"NUL octet", std::string("a\0b.org", 7), false, ""},
                      NameCase{"8-bit octet", "caf\xc3\xa9.org", false, ""}, NameCase{"space", "a b.org", false, ""},
                      NameCase{"backslash", "a\\.b.org", false, ""}));

TEST(WireNameToText, DecodesLabels) {
  const std::vector<std::uint8_t> wire{3, 'W', 'w', 'W', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  const auto got = wire_name_to_text(wire);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "www.example");
}

TEST(WireNameToText, RootIsEmpty) {
  const std::vector<std::uint8_t> wire{0};
  EXPECT_EQ(wire_name_to_text(wire).value(), "");
}

TEST(WireNameToText, EscapesOddOctetsSoTheyFailValidation) {
  const std::vector<std::uint8_t> wire{3, 'a', '.', 0x00, 0};
  const auto got = wire_name_to_text(wire);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "a\\046\\000");
  EXPECT_FALSE(normalize_name(*got).has_value());
}

TEST(WireNameToText, RejectsTruncatedAndOverlong) {
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{}).has_value());
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{3, 'a', 'b'}).has_value());
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{1, 'a'}).has_value());
  std::vector<std::uint8_t> label64{64};
  label64.insert(label64.end(), 64, 'a');
  label64.push_back(0);
  EXPECT_FALSE(wire_name_to_text(label64).has_value());
}

TEST(InvalidNameAnswer, IsFlaggedNxdomain) {
  const Answer a = invalid_name_answer();
  EXPECT_EQ(a.status, Status::nxdomain);
  EXPECT_TRUE(a.is_invalid_name);
  EXPECT_TRUE(a.records.empty());
}

}  // namespace
}  // namespace cachet::dns
