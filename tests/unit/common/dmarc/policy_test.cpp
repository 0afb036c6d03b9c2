// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dmarc/policy_test.cpp: the pure DMARC decision, one row per result
// class and per policy-selection rule, plus multi-author combination.
#include "common/dmarc/policy.hpp"

#include <gtest/gtest.h>

namespace cachet::dmarc {
namespace {

AuthorPolicy found(std::string author, std::string org, std::string at, std::string record) {
  AuthorPolicy a;
  a.status = AuthorPolicy::Status::found;
  a.author_domain = std::move(author);
  a.org_domain = std::move(org);
  a.policy_domain = std::move(at);
  auto r = parse_record(record);
  EXPECT_TRUE(r) << record;
  if (r) a.record = std::move(*r);
  return a;
}

AuthorPolicy status(std::string author, AuthorPolicy::Status s) {
  AuthorPolicy a;
  a.status = s;
  a.author_domain = author;
  a.org_domain = author;
  return a;
}

struct PolicyCase {
  std::string name;
  AuthorPolicy author;
  std::vector<Identifier> dkim;
  std::optional<Identifier> spf;
  bool auth_temperror;
  unsigned sample;
  DmarcResult want_result;
  Policy want_disposition;
  std::optional<PolicyTag> want_tag;
};

class Evaluate : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(Evaluate, DecidesResultAndDisposition) {
  const PolicyCase& c = GetParam();
  Inputs in;
  in.authors = {c.author};
  in.dkim_pass = c.dkim;
  in.spf_pass = c.spf;
  in.auth_temperror = c.auth_temperror;
  in.sample = c.sample;
  const Verdict v = evaluate(in);
  EXPECT_EQ(to_string(v.result), std::string(to_string(c.want_result))) << c.name;
  EXPECT_EQ(to_string(v.disposition), std::string(to_string(c.want_disposition))) << c.name;
  ASSERT_EQ(v.authors.size(), 1u);
  EXPECT_EQ(v.authors[0].policy_tag, c.want_tag) << c.name;
}

const Identifier kExample{"example.com", "example.com"};
const Identifier kMailExample{"mail.example.com", "example.com"};
const Identifier kEvil{"evil.example", "evil.example"};
const Identifier kUnknownOrg{"mail.example.com", ""};

INSTANTIATE_TEST_SUITE_P(
    Classes, Evaluate,
    ::testing::Values(PolicyCase{"dkim aligned strict-equal pass",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {kExample},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::pass,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"dkim relaxed subdomain pass",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {kMailExample},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::pass,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"dkim strict subdomain fails",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject; adkim=s"),
                                 {kMailExample},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::reject,
                                 PolicyTag::p},
                      PolicyCase{"spf relaxed pass",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {},
                                 kMailExample,
                                 false,
                                 0,
                                 DmarcResult::pass,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"spf strict fails",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject; aspf=s"),
                                 {},
                                 kMailExample,
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::reject,
                                 PolicyTag::p},
                      PolicyCase{"unaligned pass is fail",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=quarantine"),
                                 {kEvil},
                                 kEvil,
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::quarantine,
                                 PolicyTag::p},
                      PolicyCase{"no record is none",
                                 status("example.com", AuthorPolicy::Status::not_found),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::none,
                                 Policy::none,
                                 std::nullopt},
                      PolicyCase{"record without p is none",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; sp=reject"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::none,
                                 Policy::none,
                                 std::nullopt},
                      PolicyCase{"invalid record is permerror",
                                 status("example.com", AuthorPolicy::Status::invalid),
                                 {kExample},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::permerror,
                                 Policy::none,
                                 std::nullopt},
                      PolicyCase{"dns timeout is temperror, not none",
                                 status("example.com", AuthorPolicy::Status::temperror),
                                 {kExample},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::temperror,
                                 Policy::none,
                                 std::nullopt},
                      PolicyCase{"auth temperror without pass is temperror",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {},
                                 {},
                                 true,
                                 0,
                                 DmarcResult::temperror,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"auth temperror with aligned pass is pass",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {kExample},
                                 {},
                                 true,
                                 0,
                                 DmarcResult::pass,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"unknown org of identifier: exact match still passes",
                                 found("mail.example.com", "example.com", "example.com", "v=DMARC1; p=reject"),
                                 {kUnknownOrg},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::pass,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"subdomain uses sp",
                                 found("a.example.com", "example.com", "example.com", "v=DMARC1; p=none; sp=reject"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::reject,
                                 PolicyTag::sp},
                      PolicyCase{"subdomain without sp uses p",
                                 found("a.example.com", "example.com", "example.com", "v=DMARC1; p=quarantine"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::quarantine,
                                 PolicyTag::p},
                      PolicyCase{"record at the subdomain uses p",
                                 found("a.example.com", "example.com", "a.example.com", "v=DMARC1; p=none; sp=reject"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"pct sampled in",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject; pct=50"),
                                 {},
                                 {},
                                 false,
                                 49,
                                 DmarcResult::fail,
                                 Policy::reject,
                                 PolicyTag::p},
                      PolicyCase{"pct sampled out: next weaker",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject; pct=50"),
                                 {},
                                 {},
                                 false,
                                 50,
                                 DmarcResult::fail,
                                 Policy::quarantine,
                                 PolicyTag::p},
                      PolicyCase{"pct=0 quarantine -> none",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=quarantine; pct=0"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::none,
                                 PolicyTag::p},
                      PolicyCase{"t=y testing: one step weaker",
                                 found("example.com", "example.com", "example.com", "v=DMARC1; p=reject; t=y"),
                                 {},
                                 {},
                                 false,
                                 0,
                                 DmarcResult::fail,
                                 Policy::quarantine,
                                 PolicyTag::p}));

TEST(Evaluate, NpForNonExistentSubdomain) {
  AuthorPolicy a = found("sub.example.biz", "example.biz", "example.biz", "v=DMARC1; p=none; sp=quarantine; np=reject");
  Inputs in;
  a.author_exists = Existence::nonexistent;
  in.authors = {a};
  EXPECT_EQ(evaluate(in).disposition, Policy::reject);
  in.authors[0].author_exists = Existence::exists;
  EXPECT_EQ(evaluate(in).disposition, Policy::quarantine);
  in.authors[0].author_exists = Existence::unknown;  // the stricter of sp and np
  EXPECT_EQ(evaluate(in).disposition, Policy::reject);
  EXPECT_EQ(evaluate(in).authors[0].policy_tag, PolicyTag::np);
}

TEST(Evaluate, MultiDomainFromNeverPassesForOneDomain) {  // CVE-2019-16378
  Inputs in;
  in.authors = {found("attacker.example", "attacker.example", "attacker.example", "v=DMARC1; p=none"),
                found("victim.example", "victim.example", "victim.example", "v=DMARC1; p=reject")};
  in.dkim_pass = {Identifier{"attacker.example", "attacker.example"}};
  const Verdict v = evaluate(in);
  EXPECT_EQ(v.result, DmarcResult::fail);
  EXPECT_EQ(v.disposition, Policy::reject);
  EXPECT_EQ(v.authors[v.deciding].author_domain, "victim.example");
  EXPECT_EQ(v.authors[0].result, DmarcResult::pass);
  // pass + none (no record for the second domain) is none, not pass.
  in.authors[1] = status("nodmarc.example", AuthorPolicy::Status::not_found);
  EXPECT_EQ(evaluate(in).result, DmarcResult::none);
  // any temperror wins.
  in.authors[1] = status("slow.example", AuthorPolicy::Status::temperror);
  EXPECT_EQ(evaluate(in).result, DmarcResult::temperror);
}

TEST(Evaluate, NoAuthorIsPermerror) { EXPECT_EQ(evaluate(Inputs{}).result, DmarcResult::permerror); }

TEST(IsAligned, Modes) {
  EXPECT_TRUE(is_aligned({"a.b.com", "b.com"}, "b.com", "b.com", AlignmentMode::relaxed));
  EXPECT_FALSE(is_aligned({"a.b.com", "b.com"}, "b.com", "b.com", AlignmentMode::strict));
  EXPECT_FALSE(is_aligned({"oooo.com", "oooo.com"}, "ooo.com", "ooo.com", AlignmentMode::relaxed));
  EXPECT_FALSE(is_aligned({"", ""}, "", "", AlignmentMode::relaxed));
  EXPECT_FALSE(is_aligned({"a.b.com", ""}, "c.b.com", "", AlignmentMode::relaxed));
}

}  // namespace
}  // namespace cachet::dmarc
