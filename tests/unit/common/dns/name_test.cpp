// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/name_test.cpp: normalize_name(), normalize_query_name() and
// query_name_to_wire() rows (limits at max and max+1, escapes, odd octets), the round trips
// between wire, presentation and dotted text, and wire_name_to_text().
#include "common/dns/name.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "common/base/strings.hpp"
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
    // Every name the strict check accepts, the resolver's gate accepts the same way.
    EXPECT_EQ(normalize_query_name(c.input).value_or("?"), c.want) << c.name;
  }
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
                      NameCase{"backslash", "a\\.b.org", false, ""}, NameCase{"escape", "a\\032b.org", false, ""}));

class NormalizeQueryName : public ::testing::TestWithParam<NameCase> {};

TEST_P(NormalizeQueryName, AcceptsOneSpellingOfAnyName) {
  const NameCase& c = GetParam();
  const auto got = normalize_query_name(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name;
  if (c.want_ok) {
    EXPECT_EQ(*got, c.want) << c.name;
    EXPECT_EQ(normalize_query_name(*got).value_or("?"), *got) << c.name << ": idempotent";
  }
  std::array<std::uint8_t, kMaxWireNameLength> wire{};
  EXPECT_EQ(query_name_to_wire(c.input, wire).has_value(), c.want_ok) << c.name;
  // The encoder's flag: normalized exactly for the inputs normalize_query_name() returns unchanged.
  bool is_normalized = false;
  if (query_name_to_wire(c.input, wire, is_normalized)) {
    EXPECT_EQ(is_normalized, c.want == c.input) << c.name;
  }
}

// n labels of `len` octets, each octet written \000 (4 characters each).
std::string escaped_labels(std::size_t count, std::size_t len) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += '.';
    for (std::size_t j = 0; j < len; ++j) out += "\\000";
  }
  return out;
}

// 63+63+63+61 octets in four labels: 4 length octets + 250 + the root = 255 on the wire.
const std::string kWire255 = escaped_labels(3, 63) + "." + escaped_labels(1, 61);
const std::string kWire256 = escaped_labels(3, 63) + "." + escaped_labels(1, 62);

INSTANTIATE_TEST_SUITE_P(
    Rfc1035, NormalizeQueryName,
    ::testing::Values(
        NameCase{"empty", "", false, ""}, NameCase{"root alone", ".", false, ""}, NameCase{"minimal", "a", true, "a"},
        NameCase{"lower-cased, dot dropped", "Mail.Example.ORG.", true, "mail.example.org"},
        NameCase{"empty label", "a..b", false, ""}, NameCase{"leading dot", ".a", false, ""},
        NameCase{"two trailing dots", "a..", false, ""}, NameCase{"plain name at 253", kName253, true, kName253},
        NameCase{"plain name at 254", kName254, false, ""},
        NameCase{"spaces escaped", "Macro%Percent\\032\\032space.example.com", true,
                 "macro%percent\\032\\032space.example.com"},
        NameCase{"NUL octet", "a\\000b.org", true, "a\\000b.org"},
        NameCase{"octet 0xff", "\\255.org", true, "\\255.org"},
        NameCase{"8-bit octets stay as they are (no case folding)", "\\195\\137.org", true, "\\195\\137.org"},
        NameCase{"dot inside a label", "a\\046b.org", true, "a\\046b.org"},
        NameCase{"label that is one dot", "\\046", true, "\\046"},
        NameCase{"backslash inside a label", "a\\092b.org", true, "a\\092b.org"},
        NameCase{"trailing dot after an escaped dot", "a\\046.", true, "a\\046"},
        NameCase{"escaped label at 63 octets", escaped_labels(1, 63) + ".org", true, escaped_labels(1, 63) + ".org"},
        NameCase{"escaped label at 64 octets", escaped_labels(1, 64) + ".org", false, ""},
        NameCase{"label at 63", std::string(63, 'x') + ".org", true, std::string(63, 'x') + ".org"},
        NameCase{"label at 64", std::string(64, 'x') + ".org", false, ""},
        NameCase{"255 octets on the wire", kWire255, true, kWire255},
        NameCase{"255 octets on the wire, trailing dot", kWire255 + ".", true, kWire255},
        NameCase{"256 octets on the wire", kWire256, false, ""}, NameCase{"raw space", "a b.org", false, ""},
        NameCase{"raw NUL", std::string("a\0b.org", 7), false, ""}, NameCase{"raw 8-bit", "caf\xc3\xa9.org", false, ""},
        NameCase{"raw DEL", "a\x7f.org", false, ""},
        NameCase{"needless escape of a letter", "\\101xample.org", false, ""},
        NameCase{"needless escape of a digit", "a\\049.org", false, ""},
        NameCase{"\\. is not the spelling of a dot", "a\\.b.org", false, ""},
        NameCase{"\\\\ is not the spelling of a backslash", "a\\\\b.org", false, ""},
        NameCase{"\\X for another X", "a\\-b.org", false, ""}, NameCase{"escape over 255", "a\\256.org", false, ""},
        NameCase{"short escape", "a\\03", false, ""}, NameCase{"short escape before a dot", "a\\03.org", false, ""},
        NameCase{"dangling backslash", "a\\", false, ""},
        NameCase{"escape of a space, not decimal", "a\\ b", false, ""}));

std::string upper(std::string s) {
  for (char& c : s) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return s;
}

// normalize_query_name() lowers the input and drops the root dot instead of rendering the
// wire form back to text: both give the same text for every name, plain or escaped, at
// and past every limit, in any letter case.
TEST(NormalizeQueryName, EqualsTheWireRoundTrip) {
  const std::string label63(63, 'x');
  std::vector<std::string> names{
      "A", "mail.Example.ORG", "Mail.Example.ORG.", "a\\046B.org", "X\\032Y\\255.\\000", "Z\\046.", label63 + ".org",
      upper(label63) + ".ORG.", label63 + "x.org", "A\\000" + std::string(61, 'b') + ".org",
      "A\\000" + std::string(62, 'b') + ".org", kName253, upper(kName253) + ".", kName254, kWire255, kWire256,
      // 255 on the wire with a mix: plain capitals and one escape.
      upper(labels(3, 63)) + ".\\000" + std::string(60, 'Q'), upper(labels(3, 63)) + ".\\000" + std::string(61, 'Q')};
  for (const std::string& name : names) {
    std::array<std::uint8_t, kMaxWireNameLength> wire{};
    const auto size = query_name_to_wire(name, wire);
    const auto got = normalize_query_name(name);
    ASSERT_EQ(got.has_value(), size.has_value()) << name;
    if (!size) continue;
    EXPECT_EQ(*got, wire_name_to_text({wire.data(), *size}).value()) << name;
  }
  EXPECT_TRUE(normalize_query_name(upper(labels(3, 63)) + ".\\000" + std::string(60, 'Q')).has_value());
  EXPECT_FALSE(normalize_query_name(upper(labels(3, 63)) + ".\\000" + std::string(61, 'Q')).has_value());
}

// A run of plain octets is copied at once, an escape or capital letter one at a time:
// both stop at the same limits with the same reason.
TEST(NormalizeQueryName, SaysWhichLimitEitherWay) {
  auto why = [](const std::string& name) { return normalize_query_name(name).error().detail; };
  EXPECT_EQ(why(std::string(64, 'x') + ".org"), "DNS label longer than 63");
  EXPECT_EQ(why(std::string(63, 'x') + "X.org"), "DNS label longer than 63");
  EXPECT_EQ(why(std::string(63, 'x') + "\\000.org"), "DNS label longer than 63");
  EXPECT_EQ(why(kName254), "DNS name longer than 255 octets");
  EXPECT_EQ(why(upper(kName254)), "DNS name longer than 255 octets");
  EXPECT_EQ(why(kWire256), "DNS name longer than 255 octets");
  // A label that would begin at the 255th octet, where no octet fits any more.
  EXPECT_EQ(why(kName253 + ".a"), "DNS name longer than 255 octets");
  EXPECT_EQ(why(kName253 + ".A"), "DNS name longer than 255 octets");
  EXPECT_EQ(why(kName253 + ".\\000"), "DNS name longer than 255 octets");
  EXPECT_EQ(why(kName253 + ".."), "empty label in DNS name");
  EXPECT_EQ(why("a..b"), "empty label in DNS name");
  EXPECT_EQ(why("ab c"), "invalid octet in DNS name");
}

TEST(AppendNormalizedQueryName, AppendsOrLeavesUntouched) {
  std::string out = "key:";
  EXPECT_TRUE(append_normalized_query_name("Mail.Example.ORG.", out));
  EXPECT_EQ(out, "key:mail.example.org");
  EXPECT_TRUE(append_normalized_query_name("A\\032b", out));
  EXPECT_EQ(out, "key:mail.example.orga\\032b");
  EXPECT_FALSE(append_normalized_query_name("a..b", out));
  EXPECT_FALSE(append_normalized_query_name(std::string(64, 'x'), out));
  EXPECT_FALSE(append_normalized_query_name("a\\065", out));
  EXPECT_EQ(out, "key:mail.example.orga\\032b");
}

TEST(QueryNameToWire, DecodesEscapesAndKeepsCase) {
  std::array<std::uint8_t, kMaxWireNameLength> wire{};
  const auto n = query_name_to_wire("Ab\\032\\046\\000.X.", wire);
  ASSERT_TRUE(n.has_value());
  const std::vector<std::uint8_t> want{5, 'A', 'b', ' ', '.', 0, 1, 'X', 0};
  EXPECT_EQ(std::vector<std::uint8_t>(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(*n)), want);
}

// Names without escapes take a one-loop path, the others the general one: the same wire
// form and flags at the plain path's limits (253 characters, 63-octet labels, a root dot,
// capitals) and just past them.
TEST(QueryNameToWire, PlainAndEscapedNamesAtTheLimits) {
  struct Case {
    std::string name;
    std::vector<std::uint8_t> want;  // empty: refused
    bool is_normalized;
  };
  auto wire_of = [](const std::string& dotted) {  // labels of plain octets, as is
    std::vector<std::uint8_t> w;
    for (const std::string_view label : split(dotted, '.')) {
      w.push_back(static_cast<std::uint8_t>(label.size()));
      w.insert(w.end(), label.begin(), label.end());
    }
    w.push_back(0);
    return w;
  };
  const std::string label63(63, 'x');
  for (const Case& c :
       {Case{"ab.x", {2, 'a', 'b', 1, 'x', 0}, true}, Case{"Ab.X.", {2, 'A', 'b', 1, 'X', 0}, false},
        Case{"a.b\\046", {1, 'a', 2, 'b', '.', 0}, true}, Case{"A.b\\046.", {1, 'A', 2, 'b', '.', 0}, false},
        Case{kName253, wire_of(kName253), true}, Case{kName253 + ".", wire_of(kName253), false},
        Case{upper(kName253), wire_of(upper(kName253)), false}, Case{kName254, {}, false},
        Case{label63 + ".org", wire_of(label63 + ".org"), true},
        Case{"org." + label63, wire_of("org." + label63), true}, Case{label63 + "x.org", {}, false},
        Case{"org." + label63 + "x", {}, false}, Case{"a..", {}, false}, Case{".", {}, false}}) {
    std::array<std::uint8_t, kMaxWireNameLength> wire{};
    bool is_normalized = !c.is_normalized;
    const auto n = query_name_to_wire(c.name, wire, is_normalized);
    ASSERT_EQ(n.has_value(), !c.want.empty()) << c.name;
    if (!n) continue;
    EXPECT_EQ(std::vector<std::uint8_t>(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(*n)), c.want)
        << c.name;
    EXPECT_EQ(is_normalized, c.is_normalized) << c.name;
  }
}

// Every octet value, in a label of its own and between letters: wire -> text -> wire gives
// the same name (letters folded), and the text is its own normalized form.
TEST(WireNameToText, RoundTripsEveryOctet) {
  for (unsigned v = 0; v < 256; ++v) {
    const auto c = static_cast<std::uint8_t>(v);
    const std::vector<std::uint8_t> wire{1, c, 3, 'x', c, 'Y', 0};
    const auto text = wire_name_to_text(wire);
    ASSERT_TRUE(text.has_value()) << v;
    EXPECT_EQ(normalize_query_name(*text).value_or("?"), *text) << v;
    std::array<std::uint8_t, kMaxWireNameLength> back{};
    bool is_normalized = false;
    const auto n = query_name_to_wire(*text, back, is_normalized);
    EXPECT_TRUE(is_normalized) << v;
    ASSERT_TRUE(n.has_value()) << v << " " << *text;
    ASSERT_EQ(*n, wire.size()) << v;
    for (std::size_t i = 0; i < wire.size(); ++i)
      EXPECT_EQ(back[i], static_cast<std::uint8_t>(ascii_lower(static_cast<char>(wire[i])))) << v << " at " << i;
    // Only '.' separates labels in the text: no octet of a label becomes a dot.
    EXPECT_EQ(std::count(text->begin(), text->end(), '.'), 1) << *text;
  }
}

TEST(EscapeName, RoundTripsDottedText) {
  for (const std::string& dotted :
       {std::string("macro%percent  space%20url-space.example.com"), std::string("a\\b.example"),
        std::string("caf\xc3\xa9.example"), std::string("\x7f\xff.example"), std::string("x\ty.example"),
        std::string("plain.example.org")}) {
    const std::string escaped = escape_name(dotted);
    EXPECT_TRUE(normalize_query_name(escaped).has_value()) << escaped;
    EXPECT_EQ(unescape_name(escaped).value_or("?"), dotted) << escaped;
  }
  EXPECT_EQ(escape_name("a b\\c.Org."), "a\\032b\\092c.Org.");
}

TEST(EscapeName, CopiesOnlyWhenItMust) {
  std::string storage;
  const std::string_view plain = "mail.example.org";
  EXPECT_EQ(escape_name(plain, storage).data(), plain.data());
  EXPECT_TRUE(storage.empty());
  EXPECT_EQ(escape_name("a b.org", storage), "a\\032b.org");
}

TEST(UnescapeName, RefusesWhatDottedTextCannotHold) {
  EXPECT_FALSE(unescape_name("a\\046b.org").has_value());  // a dot inside a label
  EXPECT_FALSE(unescape_name("a b.org").has_value());      // not a valid query name
  EXPECT_FALSE(unescape_name("a..org").has_value());
  EXPECT_EQ(unescape_name("a\\000b.Org.").value_or("?"), std::string("a\0b.Org", 7));
}

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

TEST(WireNameToText, EscapesOddOctets) {
  const std::vector<std::uint8_t> wire{4, 'a', '.', 0x00, '\\', 0};
  const auto got = wire_name_to_text(wire);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, "a\\046\\000\\092");
  EXPECT_FALSE(normalize_name(*got).has_value());             // not a host name
  EXPECT_EQ(normalize_query_name(*got).value_or("?"), *got);  // but a name the resolver asks
}

TEST(WireNameToText, RejectsTruncatedAndOverlong) {
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{}).has_value());
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{3, 'a', 'b'}).has_value());
  EXPECT_FALSE(wire_name_to_text(std::vector<std::uint8_t>{1, 'a'}).has_value());
  std::vector<std::uint8_t> label64{64};
  label64.insert(label64.end(), 64, 'a');
  label64.push_back(0);
  EXPECT_FALSE(wire_name_to_text(label64).has_value());
  // 63+63+63+61 octets: 255 on the wire with the root; one octet more is refused.
  std::vector<std::uint8_t> wire255;
  for (const std::size_t len : {63, 63, 63, 61}) {
    wire255.push_back(static_cast<std::uint8_t>(len));
    wire255.insert(wire255.end(), len, 0xff);
  }
  wire255.push_back(0);
  ASSERT_EQ(wire255.size(), 255u);
  EXPECT_TRUE(wire_name_to_text(wire255).has_value());
  std::vector<std::uint8_t> wire256 = wire255;
  wire256[3 * 64] = 62;
  wire256.insert(wire256.end() - 1, 0xff);
  EXPECT_FALSE(wire_name_to_text(wire256).has_value());
}

TEST(InvalidNameAnswer, IsFlaggedNxdomain) {
  const Answer a = invalid_name_answer();
  EXPECT_EQ(a.status, Status::nxdomain);
  EXPECT_TRUE(a.is_invalid_name);
  EXPECT_TRUE(a.records.empty());
}

}  // namespace
}  // namespace cachet::dns
