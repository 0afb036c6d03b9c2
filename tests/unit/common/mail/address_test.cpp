// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/mail/address_test.cpp: From-domain extraction (opendmarc finddomain
// vectors, authheaders vectors, CVE rows), envelope addresses, domain normalisation.
#include "common/mail/address.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iostream>

#include "common/base/strings.hpp"

namespace cachet::mail {
namespace {

std::string joined(const Result<std::vector<std::string>>& r) {
  if (!r) return "ERROR";
  std::string out;
  for (const auto& d : *r) out += (out.empty() ? "" : ",") + d;
  return out;
}

struct FromCase {
  std::string_view name;
  std::string_view input;
  std::string_view want;  // comma-joined domains or ERROR
};

class FromDomains : public ::testing::TestWithParam<FromCase> {};

TEST_P(FromDomains, ExtractsEveryDomain) {
  const FromCase& c = GetParam();
  const auto got = from_domains(c.input);
  EXPECT_EQ(joined(got), c.want) << c.name << " input='" << c.input << "'"
                                 << (got ? "" : " error=" + got.error().detail);
}

const std::string kManyBoxes = [] {
  std::string s;
  for (std::size_t i = 0; i < kMaxMailboxes; ++i) s += "a@x" + std::to_string(i % 3) + ".example,";
  return s;
}();
const std::string kTooManyBoxes = kManyBoxes + "z@z.example";
const std::string kHugeFrom(kMaxAddressFieldBytes + 1, 'a');
const std::string kHugeEnvelope = std::string(5000, 'a') + "@b.example";

INSTANTIATE_TEST_SUITE_P(
    Rows, FromDomains,
    ::testing::Values(FromCase{"empty", "", "ERROR"}, FromCase{"minimal", "a@b.example", "b.example"},
                      FromCase{"rfc5322 example", "Mary Smith <mary@x.test>", "x.test"},
                      FromCase{"mixed case, trailing dot", "Joe <joe@Example.COM.>", "example.com"},
                      FromCase{"two domains (CVE-2019-16378)", "ceo@victim.example, x@attacker.example",
                               "victim.example,attacker.example"},
                      FromCase{"same domain twice", "a@x.example, b@X.example", "x.example"},
                      FromCase{"element without domain first (CVE-2021-34555)", "user, b@example.com", "ERROR"},
                      FromCase{"element without domain last (CVE-2021-34555)", "a@example.com, b", "ERROR"},
                      FromCase{"no address, display name only", "\"Test User\"", "ERROR"},
                      FromCase{"group", "Team: a@x.example, b@y.example;", "x.example,y.example"},
                      FromCase{"empty group", "undisclosed-recipients:;", "ERROR"},
                      FromCase{"quoted-pair in display name (opendmarc #72)",
                               "\"\\\"Medtronic, Inc.\\\"\" <user@example.com>", "example.com"},
                      FromCase{"unbalanced > (opendmarc #113)", "user@example.net>", "example.net"},
                      FromCase{"unbalanced <", "<user@example.net", "example.net"},
                      FromCase{"unquoted @ in display name", "joe@a.example <joe@b.example>", "a.example,b.example"},
                      FromCase{"quoted @ in display name", "\"joe@a.example\" <joe@b.example>", "b.example"},
                      FromCase{"quoted local-part", "\"john doe\"@example.com", "example.com"},
                      FromCase{"comment with @", "(x@evil.example) joe@good.example", "good.example"},
                      FromCase{"unterminated quote", "\"abc <a@b.example>", "ERROR"},
                      FromCase{"unterminated comment", "(abc <a@b.example>", "ERROR"},
                      FromCase{"domain literal", "a@[192.0.2.1]", "ERROR"}, FromCase{"empty domain", "a@", "ERROR"},
                      FromCase{"empty label", "a@b..example", "ERROR"},
                      FromCase{"8-bit U-label", "a@b\xc3\xa9.example", "b\xc3\xa9.example"},
                      FromCase{"NUL", std::string_view("a@b.example\0c@d.example", 23), "ERROR"},
                      FromCase{"encoded word", "=?UTF-8?B?QmVkIEJhdGggJiBCZXlvbmQ=?=<BdBth&Byond@example.com>",
                               "example.com"},
                      FromCase{"folded", "Joe\r\n <joe@example.com>", "example.com"},
                      FromCase{"at mailbox limit", kManyBoxes, "x0.example,x1.example,x2.example"},
                      FromCase{"over mailbox limit", kTooManyBoxes, "ERROR"}, FromCase{"huge", kHugeFrom, "ERROR"}));

// opendmarc libopendmarc/tests/test_finddomain.c vectors: the first domain must match.
TEST(FromDomainsCorpus, OpendmarcFinddomain) {
  const std::string path = std::string(CACHET_TESTDATA) + "/opendmarc/finddomain.tsv";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << "conformance suite not found at " << path;
  int rows = 0, ok = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto cols = split(line, '\t');
    ASSERT_EQ(cols.size(), 3u) << line;
    ++rows;
    const auto got = from_domains(cols[1]);
    const bool match = got && !got->empty() && got->front() == cols[2];
    ok += match;
    EXPECT_TRUE(match) << "row " << cols[0] << " '" << cols[1] << "' got " << joined(got);
  }
  std::cout << "[ counts ] opendmarc finddomain: " << ok << "/" << rows << "\n";
  EXPECT_EQ(rows, 13);
}

TEST(FromDomainsCorpus, AuthheadersGetDomainPart) {
  // authheaders cases.yaml "from_domain" (transcribed there from test_authentication.py).
  const std::string path = std::string(CACHET_TESTDATA) + "/dmarc/authheaders/cases.yaml";
  if (!std::ifstream(path)) GTEST_SKIP() << "conformance suite not found at " << path;
  const std::pair<std::string_view, std::string_view> rows[] = {
      {"test@example.com", "example.com"},
      {"\"Test, User\" <test@example.com>", "example.com"},
      {"Test User <test@sub2.example.biz>", "sub2.example.biz"},
      {"=?UTF-8?B?QmVkIEJhdGggJiBCZXlvbmQ=?=<BdBth&Byond@example.com>", "example.com"}};
  for (const auto& [in, want] : rows) EXPECT_EQ(joined(from_domains(in)), want) << in;
}

struct EnvCase {
  std::string_view name;
  std::string_view input;
  bool want_ok;
  std::string_view want_domain;
};

class EnvelopeAddressRows : public ::testing::TestWithParam<EnvCase> {};

TEST_P(EnvelopeAddressRows, ParsesRfc5321Paths) {
  const EnvCase& c = GetParam();
  const auto got = parse_envelope_address(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << (got ? "" : " " + got.error().detail);
  if (got) {
    EXPECT_EQ(got->domain, c.want_domain) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rows, EnvelopeAddressRows,
    ::testing::Values(EnvCase{"empty is null", "", true, ""}, EnvCase{"null path", "<>", true, ""},
                      EnvCase{"minimal", "<a@b.example>", true, "b.example"},
                      EnvCase{"bare", "a@B.Example.", true, "b.example"},
                      EnvCase{"source route", "<@r1.example,@r2.example:joe@d.example>", true, "d.example"},
                      EnvCase{"quoted local", "<\"a b\"@d.example>", true, "d.example"},
                      EnvCase{"quoted @", "<\"a@x\"@d.example>", true, "d.example"},
                      EnvCase{"domain literal", "<a@[192.0.2.1]>", true, "[192.0.2.1]"},
                      EnvCase{"VERP", "<user+list=x.org@example.com>", true, "example.com"},
                      EnvCase{"no domain", "<postmaster>", false, ""}, EnvCase{"unbalanced", "<a@b.example", false, ""},
                      EnvCase{"space", "<a b@c.example>", false, ""},
                      EnvCase{"NUL", std::string_view("<a@b\0.example>", 15), false, ""},
                      EnvCase{"8-bit domain", "<a@b\xc3\xa9.example>", true, "b\xc3\xa9.example"},
                      EnvCase{"huge", kHugeEnvelope, false, ""}));

TEST(NormalizeDomain, LimitsAndCase) {
  EXPECT_EQ(normalize_domain("ExAmple.COM.").value_or(""), "example.com");
  EXPECT_FALSE(normalize_domain(""));
  EXPECT_FALSE(normalize_domain("."));
  EXPECT_FALSE(normalize_domain(".example.com"));
  EXPECT_FALSE(normalize_domain("exa mple.com"));
  EXPECT_EQ(normalize_domain("B\xC3\xBC"
                             "cher.Example")
                .value_or(""),
            "b\xC3\xBC"
            "cher.example");
  EXPECT_FALSE(normalize_domain("\x81.example"));  // found by fuzz_dmarc_decision
  EXPECT_FALSE(normalize_domain("b\xC3.example"));
  EXPECT_TRUE(normalize_domain(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(normalize_domain(std::string(64, 'a') + ".com"));
  std::string at_limit;
  while (at_limit.size() + 4 <= kMaxDomainBytes) at_limit += "abc.";
  at_limit += std::string(kMaxDomainBytes - at_limit.size(), 'x');
  EXPECT_TRUE(normalize_domain(at_limit));
  EXPECT_FALSE(normalize_domain(at_limit + "x"));
  EXPECT_TRUE(is_ldh_domain(at_limit));
  EXPECT_TRUE(is_ldh_domain(at_limit + "."));
  EXPECT_FALSE(is_ldh_domain(at_limit + "x"));
  EXPECT_TRUE(is_ldh_domain(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(is_ldh_domain(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(is_ldh_domain("mail-1.example_x.com"));
  EXPECT_FALSE(is_ldh_domain("victim.example(.attacker.example"));
  EXPECT_FALSE(is_ldh_domain("b\xc3\xa9.example"));
}

// is_ldh_domain() is normalize_domain()'s check without its result, ASCII only.
TEST(NormalizeDomain, LdhBoundaries) {
  EXPECT_TRUE(is_ldh_domain("Example.COM."));
  EXPECT_FALSE(is_ldh_domain("example.com.."));
  EXPECT_FALSE(is_ldh_domain(""));
  EXPECT_FALSE(is_ldh_domain("."));
  EXPECT_FALSE(is_ldh_domain("a..b"));
  EXPECT_FALSE(is_ldh_domain(".a"));
  EXPECT_FALSE(is_ldh_domain("\xff.example"));
  // The reasons normalize_domain() gives, in the order it finds them.
  EXPECT_EQ(normalize_domain("a..b!").error().detail, "empty label in domain");
  EXPECT_EQ(normalize_domain("a!." + std::string(64, 'b')).error().detail, "invalid byte in domain");
  EXPECT_EQ(normalize_domain("\xff" + std::string(64, 'b')).error().detail, "label too long");
  EXPECT_EQ(normalize_domain("\xff.b").error().detail, "domain is not valid UTF-8");
  EXPECT_EQ(normalize_domain("a.").value_or(""), "a");
}

// Words are views of the field: quotes, quoted-pairs and the last unquoted '@' are kept
// exactly as written in the local-part.
TEST(FromMailboxes, LocalPartsAsWritten) {
  const auto boxes =
      parse_from_mailboxes("\"A \\\"B\\\" @x\" <\"j.\\\"d\\\"\"@Example.COM>, a\\@b@Y.example, \"q@r\"x@Z.example.");
  ASSERT_TRUE(boxes) << boxes.error().detail;
  ASSERT_EQ(boxes->size(), 3u);
  EXPECT_EQ((*boxes)[0].local_part, "\"j.\\\"d\\\"\"");
  EXPECT_EQ((*boxes)[0].domain, "example.com");
  EXPECT_EQ((*boxes)[1].local_part, "a\\@b");
  EXPECT_EQ((*boxes)[1].domain, "y.example");
  EXPECT_EQ((*boxes)[2].local_part, "\"q@r\"x");
  EXPECT_EQ((*boxes)[2].domain, "z.example");
  EXPECT_FALSE(parse_from_mailboxes("a@b.example\\"));      // the escape takes nothing: "b.example\\" is no domain
  EXPECT_FALSE(parse_from_mailboxes("\"a@b.example\\\""));  // unterminated: the quote is escaped
  EXPECT_TRUE(parse_from_mailboxes(std::string(kMaxLocalPartBytes, 'a') + "@b.example"));
  EXPECT_FALSE(parse_from_mailboxes(std::string(kMaxLocalPartBytes + 1, 'a') + "@b.example"));
}

}  // namespace
}  // namespace cachet::mail
