// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/spf/why_test.cpp: the why= words of spf.request, one row per
// result and per skip reason.
#include "common/spf/why.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet;
using spf::Verdict;

spf::SpfResult result(Verdict v, std::string problem = {}, int terms = 0) {
  spf::SpfResult r;
  r.verdict = v;
  r.problem = std::move(problem);
  r.dns_terms = terms;
  return r;
}

struct WhyCase {
  std::string_view name;
  spf::SpfResult r;
  std::string want;
};

class SpfWhy : public ::testing::TestWithParam<WhyCase> {};

TEST_P(SpfWhy, SaysWhatTheRecordSaid) {
  const WhyCase& c = GetParam();
  EXPECT_EQ(spf::result_words("mailfrom", "example.org", "192.0.2.1", c.r), c.want) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryResult, SpfWhy,
    ::testing::Values(WhyCase{"pass", result(Verdict::pass, "", 2),
                              "mailfrom example.org: its SPF record permits 192.0.2.1 (2 DNS terms)"},
                      WhyCase{"fail", result(Verdict::fail),
                              "mailfrom example.org: its SPF record forbids 192.0.2.1 (a - mechanism or -all matched)"},
                      WhyCase{"softfail", result(Verdict::softfail),
                              "mailfrom example.org: its SPF record discourages 192.0.2.1 (a ~ mechanism or ~all "
                              "matched)"},
                      WhyCase{"neutral", result(Verdict::neutral),
                              "mailfrom example.org: its SPF record says nothing about 192.0.2.1 (a ? mechanism, "
                              "?all or no match)"},
                      WhyCase{"none", result(Verdict::none), "mailfrom example.org: no SPF record"},
                      WhyCase{"permerror", result(Verdict::permerror, "more than 10 DNS terms", 11),
                              "mailfrom example.org: SPF record unusable: more than 10 DNS terms (11 DNS terms)"},
                      WhyCase{"temperror", result(Verdict::temperror),
                              "mailfrom example.org: DNS failed: temporary error"}));

TEST(SpfWhy, SkipsSayWhichList) {
  EXPECT_EQ(spf::skip_words(spf::SkipReason::local), "client in skip_addresses: not checked");
  EXPECT_EQ(spf::skip_words(spf::SkipReason::whitelist), "client in Whitelist: not checked");
  EXPECT_EQ(spf::result_words("helo", "", "192.0.2.1", result(Verdict::none)), "helo (none): no SPF record");
}

}  // namespace
