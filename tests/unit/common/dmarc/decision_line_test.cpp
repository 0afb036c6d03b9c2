// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dmarc/decision_line_test.cpp: cachet-dmarc's dmarc.result line names
// every input of the verdict (inputs -> expected line).
#include "common/dmarc/decision_line.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet;
using dmarc::Decision;

Decision evaluated() {
  Decision d;
  d.evaluated = true;
  d.result = "fail";
  d.from_domain = "news.example.com";
  d.policy_domain = "example.com";
  d.org_domain = "example.com";
  d.policy = "reject";
  d.disposition = "reject";
  d.dkim = "other.org:pass";
  d.spf = "bounce.other.org:pass";
  d.reason = "neither DKIM nor SPF aligned";
  d.ar_ids = "mx.example.net";
  d.spf_source = "A-R";
  d.published = dmarc::Record{};
  d.published->pct = 50;
  d.sample = 17;
  return d;
}

struct LineCase {
  std::string_view name;
  Decision d;
  std::string want;
};

class DmarcLine : public ::testing::TestWithParam<LineCase> {};

TEST_P(DmarcLine, NamesEveryInput) {
  const LineCase& c = GetParam();
  EXPECT_EQ(log::render_text("dmarc.result", dmarc::result_fields(c.d)), c.want) << c.name;
}

Decision with(Decision d, void (*change)(Decision&)) {
  change(d);
  return d;
}

INSTANTIATE_TEST_SUITE_P(
    EveryBranch, DmarcLine,
    ::testing::Values(LineCase{"fail, not aligned", evaluated(),
                               "dmarc.result from=news.example.com result=fail policy=reject disposition=reject "
                               "dkim=other.org:pass spf=bounce.other.org:pass reason=\"neither DKIM nor SPF "
                               "aligned\" ar=mx.example.net spf_source=A-R policy_domain=example.com "
                               "org=example.com pct=50 draw=17 aligned=none"},
                      LineCase{"sampled out",
                               with(evaluated(),
                                    [](Decision& d) {
                                      d.sampled_out = true;
                                      d.sample = 80;
                                      d.disposition = "quarantine";
                                    }),
                               "dmarc.result from=news.example.com result=fail policy=reject "
                               "disposition=quarantine dkim=other.org:pass spf=bounce.other.org:pass "
                               "reason=\"neither DKIM nor SPF aligned\" ar=mx.example.net spf_source=A-R "
                               "policy_domain=example.com org=example.com pct=50 draw=\"80 (sampled out: next "
                               "weaker policy)\" aligned=none"},
                      LineCase{"pass, both aligned, no record fields without a record",
                               with(evaluated(),
                                    [](Decision& d) {
                                      d.result = "pass";
                                      d.reason = "";
                                      d.dkim_aligned = d.spf_aligned = true;
                                      d.published.reset();
                                      d.org_domain.clear();
                                      d.ar_ids.clear();
                                      d.spf_source = "Received-SPF";
                                    }),
                               "dmarc.result from=news.example.com result=pass policy=reject disposition=reject "
                               "dkim=other.org:pass spf=bounce.other.org:pass reason=\"\" ar=none "
                               "spf_source=Received-SPF policy_domain=example.com aligned=dkim,spf"},
                      LineCase{"not evaluated (bad headers)",
                               [] {
                                 Decision d;
                                 d.result = "badheaders";
                                 d.reason = "missing Date";
                                 return d;
                               }(),
                               "dmarc.result from=\"\" result=badheaders policy=none disposition=none dkim=\"\" "
                               "spf=\"\" reason=\"missing Date\""}));

TEST(DmarcLine, SkippedMessagesSayWhy) {
  EXPECT_EQ(log::render_text("dmarc.result", dmarc::skipped_fields("IgnoreHosts")),
            "dmarc.result result=skipped reason=IgnoreHosts");
}

}  // namespace
