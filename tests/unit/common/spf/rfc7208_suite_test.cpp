// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/rfc7208_suite_test.cpp: the openspf RFC 7208 and RFC 4408 suites
// (read in place from CACHET_TESTDATA/spf) through SpfEngine with a SuiteZone resolver,
// and through a CachingResolver without and with the SPF prefetch (same results required).
// Every test must give a result in its expected set (and the expected explanation when
// one is given), except those listed with a reason in tests/data/spf/*-known-failures.tsv;
// a listed test that starts passing also fails the test, so the list stays honest.
#include <gtest/gtest.h>

#include <string>

#include "common/dns/caching_resolver.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/prefetch.hpp"
#include "tests/unit/common/spf/suite_runner.hpp"
#include "tests/unit/common/spf/suite_yaml.hpp"
#include "tests/unit/common/spf/suite_zone.hpp"

namespace cachet::spf {
namespace {

using testing::read_suite_file;
using testing::SuiteZone;
using testing::YamlNode;
using testing::YamlSubsetReader;

// The suite's answers with TTL 300 instead of 0, so that a cache keeps them.
class Cacheable final : public dns::Resolver {
 public:
  explicit Cacheable(dns::Resolver& inner) : inner_(inner) {}
  dns::Answer query(std::string_view name, dns::RrType type) override {
    dns::Answer a = inner_.query(name, type);
    for (dns::Record& r : a.records) r.ttl = 300;
    return a;
  }

 private:
  dns::Resolver& inner_;
};

enum class Via { zone, cache, cache_prefetch };

// One test's evaluation: on the zone directly, or through a CachingResolver too small for
// the prefetch, or through one with the prefetch on (common/spf/prefetch.hpp).
SpfResult evaluate(const YamlNode& test, const YamlNode* zonedata, Via via) {
  SuiteZone zone(zonedata);
  Cacheable cacheable(zone);
  dns::CacheOptions co;
  if (via == Via::cache) co.max_entries = kMinCacheForPrefetch - 1;
  dns::CachingResolver cache(cacheable, co);
  SpfEngine engine(via == Via::zone ? static_cast<dns::Resolver&>(zone) : cache, testing::suite_options());
  return engine.check_mailfrom(test.get("host"), test.get("mailfrom"), test.get("helo"));
}

void check_suite(const char* label, const char* file, const char* known, int want_total) {
  testing::check_suite(label, file, known, want_total, [](const YamlNode& test, const YamlNode* zonedata) {
    return evaluate(test, zonedata, Via::zone);
  });
}

TEST(SpfSuite, Rfc7208) { check_suite("RFC 7208", "rfc7208-tests.yml", "rfc7208-known-failures.tsv", 203); }

// Every test of a suite through a cache, without and with the prefetch: the same verdict,
// explanation, DNS-term and void-lookup counts (the prefetch only fills the cache;
// libspf2 still asks, and the layer counts, every name).
void check_prefetch_changes_nothing(const char* file, int want_total) {
  const std::string path = std::string(CACHET_TESTDATA) + "/spf/" + file;
  bool ok = false;
  const std::string text = read_suite_file(path, &ok);
  if (!ok) GTEST_SKIP() << "conformance suite not found at " << path;
  int total = 0;
  for (const YamlNode& doc : YamlSubsetReader(text).documents()) {
    const YamlNode* tests = doc.find("tests");
    if (tests == nullptr) continue;
    for (const auto& [id, test] : tests->map) {
      ++total;
      const SpfResult a = evaluate(test, doc.find("zonedata"), Via::cache);
      const SpfResult b = evaluate(test, doc.find("zonedata"), Via::cache_prefetch);
      EXPECT_EQ(to_string(a.verdict), to_string(b.verdict)) << id;
      EXPECT_EQ(a.explanation, b.explanation) << id;
      EXPECT_EQ(a.dns_terms, b.dns_terms) << id;
      EXPECT_EQ(a.void_lookups, b.void_lookups) << id;
    }
  }
  EXPECT_EQ(total, want_total);
}

TEST(SpfSuite, Rfc7208PrefetchChangesNothing) { check_prefetch_changes_nothing("rfc7208-tests.yml", 203); }

TEST(SpfSuite, Rfc4408PrefetchChangesNothing) { check_prefetch_changes_nothing("rfc4408-tests.yml", 191); }

TEST(SpfSuite, Rfc4408) { check_suite("RFC 4408", "rfc4408-tests.yml", "rfc4408-known-failures.tsv", 191); }

// pyspf's own regression cases (results only; their expected Received-SPF headers are
// the policy service's business).
TEST(SpfSuite, PyspfExtras) { check_suite("pyspf extras", "pyspf-test.yml", "pyspf-known-failures.tsv", 16); }

}  // namespace
}  // namespace cachet::spf
