// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/report_rua_test.cpp: rua targets (mailto only, escapes, limits,
// garbage), the !size limit, and the RFC 7489 s7.1 external destination decision (same
// org, found, not found, temporary DNS failure).
#include "common/dmarc/report_rua.hpp"

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"

namespace cachet::dmarc {
namespace {

struct TargetCase {
  std::string_view name, entry;
  std::string_view want_address;  // "" = rejected
  std::optional<std::uint64_t> want_max = std::nullopt;
};
class ParseRuaTarget : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseRuaTarget, OnlyUsableMailtoTargets) {
  const TargetCase& c = GetParam();
  const auto got = parse_rua_target(c.entry);
  EXPECT_EQ(got.has_value() ? got->address : "", c.want_address) << c.name << " entry='" << c.entry << "'";
  if (got) {
    EXPECT_EQ(got->max_bytes, c.want_max) << c.name;
  }
}
INSTANTIATE_TEST_SUITE_P(Rfc7489, ParseRuaTarget,
                         ::testing::Values(TargetCase{"plain", "mailto:dmarc@Example.COM", "dmarc@example.com"},
                                           TargetCase{"upper scheme", "MAILTO:d@example.com", "d@example.com"},
                                           TargetCase{"size k", "mailto:d@example.com!10k", "d@example.com", 10240},
                                           TargetCase{"size bytes", "mailto:d@example.com!500", "d@example.com", 500},
                                           TargetCase{"size zero", "mailto:d@example.com!0k", "d@example.com", 0},
                                           TargetCase{"percent escape", "mailto:d%2Bx@example.com", "d+x@example.com"},
                                           TargetCase{"hfields dropped", "mailto:d@example.com?subject=hi",
                                                      "d@example.com"},
                                           TargetCase{"https", "https://example.com/report", ""},
                                           TargetCase{"empty", "", ""}, TargetCase{"no at", "mailto:example.com", ""},
                                           TargetCase{"empty local", "mailto:@example.com", ""},
                                           TargetCase{"quoted local", "mailto:%22a%20b%22@example.com", ""},
                                           TargetCase{"escaped newline", "mailto:a%0A@example.com", ""},
                                           TargetCase{"bad escape", "mailto:a%zz@example.com", ""},
                                           TargetCase{"truncated escape", "mailto:a@example.co%4", ""},
                                           TargetCase{"bad domain", "mailto:a@exa..mple.com", ""},
                                           TargetCase{"special in domain (fuzz)", "mailto:a@example.org>:", ""},
                                           TargetCase{"colon in domain", "mailto:a@e:x", ""},
                                           TargetCase{"bad size", "mailto:a@example.com!10x", ""},
                                           TargetCase{"second recipient", "mailto:a@example.com%2Cb@evil.example", ""},
                                           TargetCase{"8-bit", "mailto:\xc3\xa4@example.com", ""}));

TEST(ParseRuaTarget, AddressLengthLimit) {
  const std::string domain = "@example.com";
  const std::string at_max(kMaxMailtoAddressBytes - domain.size(), 'a');
  EXPECT_TRUE(parse_rua_target("mailto:" + at_max + domain).has_value());
  EXPECT_FALSE(parse_rua_target("mailto:a" + at_max + domain).has_value());
}

TEST(ParseRuaList, KeepsGoodTargetsAndSaysWhyOthersWereRefused) {
  const RuaList l = parse_rua_list("mailto:a@example.com!1m  ftp://x mailto:A@EXAMPLE.com mailto:b@example.net");
  ASSERT_EQ(l.targets.size(), 2u);
  EXPECT_EQ(l.targets[0].address, "a@example.com");
  EXPECT_EQ(l.targets[0].max_bytes, 1u << 20);
  EXPECT_EQ(l.targets[1].address, "b@example.net");
  ASSERT_EQ(l.rejected.size(), 1u);
  EXPECT_EQ(l.rejected[0], "ftp://x: scheme not supported (mailto: only)");
}

TEST(ParseRuaList, AHugeListIsCutWithAReason) {
  std::string stored;
  for (std::size_t i = 0; i < kMaxRuaTargets + 3; ++i) stored += "mailto:r" + std::to_string(i) + "@example.com ";
  const RuaList l = parse_rua_list(stored);
  EXPECT_EQ(l.targets.size(), kMaxRuaTargets);
  EXPECT_EQ(l.rejected.size(), 3u);
  const RuaList huge = parse_rua_list(std::string(kMaxRuaListBytes + 1, 'x'));
  EXPECT_TRUE(huge.targets.empty());
  EXPECT_FALSE(huge.rejected.empty());
}

TEST(SizeLimit, AtTheLimitFitsOneByteMoreDoesNot) {
  RuaTarget t;
  EXPECT_TRUE(fits_size_limit(1u << 30, t));
  t.max_bytes = 1000;
  EXPECT_TRUE(fits_size_limit(1000, t));
  EXPECT_FALSE(fits_size_limit(1001, t));
  t.max_bytes = 0;  // "!0k": nothing ever fits
  EXPECT_FALSE(fits_size_limit(1, t));
}

TEST(ReportAuth, ClassifiesTheTxtAnswer) {
  dns::Answer a;
  a.status = dns::Status::answer;
  a.records.push_back({dns::RrType::txt, "n", 300, "v=DMARC1", 0, {"v=DMARC1"}});
  EXPECT_EQ(classify_report_auth(a), ReportAuth::authorized);
  a.records[0].value = "v=spf1 -all";
  EXPECT_EQ(classify_report_auth(a), ReportAuth::not_authorized);
  a.records.clear();
  a.status = dns::Status::nxdomain;
  EXPECT_EQ(classify_report_auth(a), ReportAuth::not_authorized);
  a.status = dns::Status::nodata;
  EXPECT_EQ(classify_report_auth(a), ReportAuth::not_authorized);
  a.status = dns::Status::servfail;
  EXPECT_EQ(classify_report_auth(a), ReportAuth::try_later);
  a.status = dns::Status::timeout;
  EXPECT_EQ(classify_report_auth(a), ReportAuth::try_later);
}

class AuthorizeTarget : public ::testing::Test {
 protected:
  AuthorizeTarget() : psl_(*PublicSuffixList::parse("com\nnet\n")), orgs_(psl_) {}
  RuaTarget target(std::string_view entry) { return *parse_rua_target(entry); }
  PublicSuffixList psl_;
  PslOrgDomain orgs_;
  dns::ZoneResolver dns_;
};

TEST_F(AuthorizeTarget, SameOrganizationalDomainNeedsNoLookup) {
  EXPECT_EQ(authorize_target("mail.example.com", target("mailto:d@reports.example.com"), orgs_, dns_),
            ReportAuth::same_org);
  EXPECT_EQ(dns_.query_count(), 0u);
}

TEST_F(AuthorizeTarget, ThePolicyDomainAndNamesUnderItNeedNoOrgLookup) {
  struct FailingOrgs : OrgDomainFinder {
    Result<std::string> organizational_domain(std::string_view) const override {
      return fail(Errc::temporary, "DNS down");
    }
  } down;
  EXPECT_EQ(authorize_target("Example.com", target("mailto:d@example.com"), down, dns_), ReportAuth::same_org);
  EXPECT_EQ(authorize_target("example.com", target("mailto:d@r.example.com"), down, dns_), ReportAuth::same_org);
  EXPECT_EQ(authorize_target("example.com", target("mailto:d@badexample.com"), down, dns_), ReportAuth::try_later);
  EXPECT_EQ(dns_.query_count(), 0u);
}

TEST_F(AuthorizeTarget, ExternalTargetFoundNotFoundOrLater) {
  dns_.add_txt("example.com._report._dmarc.found.net", {"v=DMARC1"});
  dns_.set_servfail("example.com._report._dmarc.broken.net");
  EXPECT_EQ(authorize_target("Example.COM", target("mailto:d@found.net"), orgs_, dns_), ReportAuth::authorized);
  EXPECT_EQ(authorize_target("example.com", target("mailto:d@missing.net"), orgs_, dns_), ReportAuth::not_authorized);
  EXPECT_EQ(authorize_target("example.com", target("mailto:d@broken.net"), orgs_, dns_), ReportAuth::try_later);
  EXPECT_EQ(dns_.query_count(), 3u);  // one lookup per external target
}

}  // namespace
}  // namespace cachet::dmarc
