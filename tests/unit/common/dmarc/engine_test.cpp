// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/engine_test.cpp: discovery + evaluation through an in-memory zone
// (dns::ZoneResolver): DNS failures are temperror (never pass/none), RFC 7489 org-domain
// fallback, DMARCbis tree walk, several From domains.
#include "common/dmarc/engine.hpp"

#include <gtest/gtest.h>

#include "common/dns/zone_resolver.hpp"

namespace cachet::dmarc {
namespace {

PublicSuffixList small_psl() {
  auto psl = PublicSuffixList::parse("com\nnet\nexample\n");
  EXPECT_TRUE(psl);
  return std::move(*psl);
}

struct EngineCase {
  std::string name;
  std::vector<std::string> from;
  std::vector<AuthOutcome> dkim;
  DiscoveryMode mode;
  DmarcResult want;
};

class EvaluateMessage : public ::testing::TestWithParam<EngineCase> {};

TEST_P(EvaluateMessage, DnsOutcomesMapToResults) {
  const EngineCase& c = GetParam();
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject"});
  dns.set_timeout("_dmarc.slow.example.com");
  dns.set_servfail("_dmarc.broken.net");
  dns.add_txt("_dmarc.bad.example.com", {"v=DMARC1; p=bogus"});
  dns.set_servfail("_dmarc.com");  // tree walk from *.example.com... stops above
  const PublicSuffixList psl = small_psl();
  EngineOptions options{c.mode, &psl};
  MessageAuth auth{c.from, c.dkim, std::nullopt};
  EXPECT_EQ(to_string(evaluate_message(dns, auth, options, 0).result), std::string(to_string(c.want))) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, EvaluateMessage,
    ::testing::Values(
        EngineCase{"aligned pass",
                   {"example.com"},
                   {{"example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::pass},
        EngineCase{"identifier case and trailing dot",
                   {"example.com"},
                   {{"Example.COM.", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::pass},
        EngineCase{"unusable identifier never aligns",
                   {"example.com"},
                   {{"example.com(x", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::fail},
        EngineCase{"relaxed via PSL org",
                   {"a.example.com"},
                   {{"b.example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::pass},
        // An identifier naming an author domain takes the organizational domain discovery found.
        EngineCase{"sub-domain author, same identifier",
                   {"mail.example.com"},
                   {{"Mail.Example.COM.", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::pass},
        EngineCase{"identifier is the author's org domain",
                   {"a.example.com"},
                   {{"example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::pass},
        EngineCase{"unaligned fail",
                   {"example.com"},
                   {{"evil.net", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::fail},
        EngineCase{"timeout on _dmarc is temperror",
                   {"slow.example.com"},
                   {{"slow.example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::temperror},
        EngineCase{
            "servfail on _dmarc is temperror", {"broken.net"}, {}, DiscoveryMode::rfc7489_psl, DmarcResult::temperror},
        EngineCase{
            "invalid record is permerror", {"bad.example.com"}, {}, DiscoveryMode::rfc7489_psl, DmarcResult::permerror},
        EngineCase{"no record is none", {"nodmarc.net"}, {}, DiscoveryMode::rfc7489_psl, DmarcResult::none},
        EngineCase{"dkim temperror without pass",
                   {"example.com"},
                   {{"example.com", AuthResultCode::temperror}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::temperror},
        EngineCase{"tree walk reaching a failing name is temperror",
                   {"a.example.com"},
                   {{"a.example.com", AuthResultCode::pass}},
                   DiscoveryMode::tree_walk,
                   DmarcResult::temperror},
        EngineCase{"multi-domain never passes for one",
                   {"example.com", "nodmarc.net"},
                   {{"example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::none},
        EngineCase{"no From domain is permerror",
                   {},
                   {{"example.com", AuthResultCode::pass}},
                   DiscoveryMode::rfc7489_psl,
                   DmarcResult::permerror}));

TEST(EvaluateMessage, TreeWalkFindsAncestorPolicy) {
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.example.org", {"v=DMARC1; p=none; sp=reject"});
  dns.add("a.b.example.org", dns::RrType::a, "192.0.2.1");
  MessageAuth auth{{"a.b.example.org"}, {}, std::nullopt};
  const Verdict v = evaluate_message(dns, auth, EngineOptions{DiscoveryMode::tree_walk, nullptr}, 0);
  EXPECT_EQ(v.result, DmarcResult::fail);
  EXPECT_EQ(v.disposition, Policy::reject);
  EXPECT_EQ(v.authors[0].policy_domain, "example.org");
  EXPECT_EQ(v.authors[0].policy_tag, PolicyTag::sp);
}

TEST(EvaluateMessage, SpfAlignment) {
  dns::ZoneResolver dns;
  dns.add_txt("_dmarc.example.com", {"v=DMARC1; p=reject; aspf=s"});
  const PublicSuffixList psl = small_psl();
  MessageAuth auth{{"example.com"}, {}, AuthOutcome{"bounce.example.com", AuthResultCode::pass}};
  EXPECT_EQ(evaluate_message(dns, auth, EngineOptions{DiscoveryMode::rfc7489_psl, &psl}, 0).result, DmarcResult::fail);
  auth.spf->domain = "example.com";
  EXPECT_EQ(evaluate_message(dns, auth, EngineOptions{DiscoveryMode::rfc7489_psl, &psl}, 0).result, DmarcResult::pass);
}

}  // namespace
}  // namespace cachet::dmarc
