// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/metrics/domain_label_test.cpp: MetricsDomains, the per-domain label
// allow-list: parsing (limits, malformed names), the label each domain gets, and the
// cardinality bound of a DomainCounter under many peer-chosen domains.
#include "common/metrics/domain_label.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

namespace cachet::metrics {
namespace {

std::vector<std::string> many(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("d" + std::to_string(i) + ".example");
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

struct ParseCase {
  std::string_view name;
  std::vector<std::string> input;
  bool want_ok;
  std::vector<std::string> want;
};

class ParseMetricsDomains : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseMetricsDomains, AcceptsOnlyBoundedListsOfHostNames) {
  const ParseCase& c = GetParam();
  const auto got = parse_metrics_domains(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name;
  if (got) {
    EXPECT_EQ(*got, c.want) << c.name;
  } else {
    EXPECT_EQ(got.error().code, Errc::config) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, ParseMetricsDomains,
                         ::testing::Values(ParseCase{"empty list: off", {}, true, {}},
                                           ParseCase{"one domain", {"example.com"}, true, {"example.com"}},
                                           ParseCase{"case and trailing dot normalized, duplicates dropped, sorted",
                                                     {"Example.ORG.", "example.com", "example.org"},
                                                     true,
                                                     {"example.com", "example.org"}},
                                           ParseCase{"spaces around an item", {" example.com "}, true, {"example.com"}},
                                           ParseCase{"at the limit", many(kMaxMetricsDomains), true,
                                                     sorted(many(kMaxMetricsDomains))},
                                           ParseCase{"one over the limit", many(kMaxMetricsDomains + 1), false, {}},
                                           ParseCase{"empty item", {""}, false, {}},
                                           ParseCase{"an address, not a domain", {"alice@example.com"}, false, {}},
                                           ParseCase{"a label value to forge", {"example.com\"} 1"}, false, {}},
                                           ParseCase{"a NUL byte", {std::string("exa\0mple.com", 12)}, false, {}},
                                           ParseCase{"8-bit bytes", {"ex\xc3\xa4mple.com"}, false, {}}),
                         [](const auto& info) {
                           std::string n(info.param.name);
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

TEST(ParseMetricsDomains, AtTheLimitKeepsEveryDomain) {
  const auto got = parse_metrics_domains(many(kMaxMetricsDomains));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), kMaxMetricsDomains);
}

TEST(DomainLabel, ListedDomainsAreThemselvesAndEverythingElseIsOther) {
  const std::vector<std::string> listed = *parse_metrics_domains({"example.com", "example.org"});
  EXPECT_EQ(domain_label(listed, "example.com"), "example.com");
  EXPECT_EQ(domain_label(listed, "EXAMPLE.org."), "example.org");
  EXPECT_EQ(domain_label(listed, "sub.example.com"), "other");  // no implicit subdomains
  EXPECT_EQ(domain_label(listed, "evil.example"), "other");
  EXPECT_EQ(domain_label(listed, ""), "other");
  EXPECT_EQ(domain_label(listed, "bad\"label"), "other");
  EXPECT_EQ(domain_label({}, "example.com"), "other");
}

std::size_t series_of(const std::string& scrape, const std::string& family) {
  std::size_t n = 0, at = 0;
  const std::string prefix = "\n" + family + "{";
  while ((at = scrape.find(prefix, at)) != std::string::npos) {
    ++n;
    ++at;
  }
  return n;
}

TEST(DomainCounter, SeriesStayWithinListedPlusOneTimesValuesPlusOne) {
  Registry r;
  const DomainCounter c(r, "cachet_test_domain_total", "per domain", "result", {"pass", "fail"});
  const std::vector<std::string> listed = *parse_metrics_domains({"a.example", "b.example", "c.example"});
  // Peers choose the domains and results: 10,000 distinct domains, odd results too.
  for (int i = 0; i < 10000; ++i) {
    c.inc(listed, "peer" + std::to_string(i) + ".example", i % 2 ? "pass" : "fail");
    c.inc(listed, "a.example", i % 3 ? "pass" : "made-up-result-" + std::to_string(i));
  }
  c.inc(listed, "B.EXAMPLE.", "fail");
  c.inc(listed, "c.example", "pass");
  const std::string text = r.scrape();
  const std::size_t bound = (listed.size() + 1) * (2 + 1);
  EXPECT_LE(series_of(text, "cachet_test_domain_total"), bound) << text;
  EXPECT_NE(text.find("cachet_test_domain_total{domain=\"other\",result=\"pass\"} 5000"), std::string::npos) << text;
  EXPECT_NE(text.find("cachet_test_domain_total{domain=\"a.example\",result=\"other\"} 3334"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cachet_test_domain_total{domain=\"b.example\",result=\"fail\"} 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("peer"), std::string::npos) << "a peer's domain became a label value";
  EXPECT_EQ(text.find("made-up"), std::string::npos) << "a result outside the list became a label value";
}

TEST(DomainCounter, AnEmptyListCountsNothing) {
  Registry r;
  const DomainCounter c(r, "cachet_test_domain_total", "per domain", "result", {"pass"});
  c.inc({}, "example.com", "pass");
  EXPECT_EQ(series_of(r.scrape(), "cachet_test_domain_total"), 0u) << r.scrape();
}

}  // namespace
}  // namespace cachet::metrics
