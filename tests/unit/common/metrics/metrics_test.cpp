// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/metrics/metrics_test.cpp: the registry's exposition, bounded labels and
// the MetricsListen address parser.
#include "common/metrics/metrics.hpp"

#include <gtest/gtest.h>

namespace cachet::metrics {
namespace {

TEST(Metrics, CountsAppearInTheExposition) {
  Registry r;
  const Counter c = r.counter("cachet_test_total", "a test counter");
  c.inc();
  c.inc(2);
  const std::string text = r.scrape();
  EXPECT_NE(text.find("# TYPE cachet_test_total counter"), std::string::npos) << text;
  EXPECT_NE(text.find("cachet_test_total 3"), std::string::npos) << text;
}

TEST(Metrics, FixedLabelsNeverGrowFromPeerText) {
  Registry r;
  const FixedLabelCounter f(r, "cachet_results_total", "results", "result", {"pass", "fail"});
  f.inc("pass");
  f.inc("evil.example.com");
  f.inc("another.example");
  const std::string text = r.scrape();
  EXPECT_NE(text.find("cachet_results_total{result=\"pass\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("cachet_results_total{result=\"fail\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("cachet_results_total{result=\"other\"} 2"), std::string::npos) << text;
  EXPECT_EQ(text.find("example"), std::string::npos) << text;
}

TEST(Metrics, CallbackSeriesAreReadAtScrapeAndGoWithTheirHandle) {
  Registry r;
  double open = 2;
  auto handle = r.add_callback("cachet_open", "open now", Registry::CallbackKind::gauge, [&] { return open; });
  open = 5;
  EXPECT_NE(r.scrape().find("cachet_open 5"), std::string::npos) << r.scrape();
  handle.reset();
  EXPECT_EQ(r.scrape().find("cachet_open"), std::string::npos) << r.scrape();
}

TEST(Metrics, DefaultHandlesDoNothing) {
  Counter c;
  Gauge g;
  Histogram h;
  c.inc();
  g.set(3);
  h.observe(0.5);
  SUCCEED();
}

struct ListenCase {
  std::string_view name, input;
  bool want_ok;
};

class ListenAddress : public ::testing::TestWithParam<ListenCase> {};

TEST_P(ListenAddress, AcceptsHostColonPortOnly) {
  const ListenCase& c = GetParam();
  EXPECT_EQ(parse_listen_address(c.input).has_value(), c.want_ok) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ListenAddress,
    ::testing::Values(ListenCase{"loopback", "127.0.0.1:9120", true}, ListenCase{"ipv6 loopback", "[::1]:9120", true},
                      ListenCase{"port 0 (tests)", "127.0.0.1:0", true},
                      ListenCase{"max port", "127.0.0.1:65535", true},
                      ListenCase{"port over max", "127.0.0.1:65536", false}, ListenCase{"no port", "127.0.0.1", false},
                      ListenCase{"empty port", "127.0.0.1:", false}, ListenCase{"empty host", ":9120", false},
                      ListenCase{"bare ipv6", "::1:9120", false}, ListenCase{"unclosed bracket", "[::1:9120", false},
                      ListenCase{"junk port", "127.0.0.1:http", false}, ListenCase{"empty", "", false}));

}  // namespace
}  // namespace cachet::metrics
