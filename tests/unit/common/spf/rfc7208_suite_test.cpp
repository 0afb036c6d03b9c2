// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/rfc7208_suite_test.cpp: the openspf RFC 7208 and RFC 4408 suites
// (read in place from CACHET_TESTDATA/spf) through SpfEngine with a SuiteZone resolver,
// and through a CachingResolver without and with the SPF prefetch (same results required).
// Every test must give a result in its expected set (and the expected explanation when
// one is given), except those listed with a reason in tests/data/spf/*-known-failures.tsv;
// a listed test that starts passing also fails the test, so the list stays honest.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/dns/caching_resolver.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/prefetch.hpp"
#include "tests/unit/common/spf/suite_yaml.hpp"
#include "tests/unit/common/spf/suite_zone.hpp"

namespace cachet::spf {
namespace {

using testing::SuiteZone;
using testing::YamlNode;
using testing::YamlSubsetReader;

std::string read_file(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct KnownFailure {
  std::string got, want, reason;
};

std::map<std::string, KnownFailure> read_known_failures(const std::string& path) {
  bool ok = false;
  const std::string text = read_file(path, &ok);
  std::map<std::string, KnownFailure> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = split(line, '\t');
    if (f.size() < 4) continue;
    out[std::string(f[0])] = {std::string(f[1]), std::string(f[2]), std::string(f[3])};
  }
  return out;
}

struct SuiteOutcome {
  int total = 0;
  int passed = 0;
  std::vector<std::string> unexpected;  // failures not listed, and listed tests now passing
  std::vector<std::string> failures;    // every failure, as a ready-to-paste TSV row
};

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
  Options opts;
  opts.default_explanation = "DEFAULT";
  opts.receiver = "receiver.com";
  SpfEngine engine(via == Via::zone ? static_cast<dns::Resolver&>(zone) : cache, opts);
  return engine.check_mailfrom(test.get("host"), test.get("mailfrom"), test.get("helo"));
}

// Runs one test; returns "" when it passes, else "got<TAB>want".
std::string run_one(const YamlNode& test, const YamlNode* zonedata) {
  const SpfResult r = evaluate(test, zonedata, Via::zone);
  std::vector<std::string> want;
  const YamlNode* res = test.find("result");
  if (res != nullptr && res->kind == YamlNode::Kind::seq) {
    for (const YamlNode& n : res->seq) want.push_back(n.text);
  } else if (res != nullptr) {
    want.push_back(res->text);
  }
  std::string want_text;
  bool match = false;
  for (const std::string& w : want) {
    want_text += (want_text.empty() ? "" : "|") + w;
    if (w == to_string(r.verdict)) match = true;
  }
  const YamlNode* exp = test.find("explanation");
  std::string got_text = to_string(r.verdict);
  if (match && exp != nullptr && r.verdict == Verdict::fail && r.explanation != exp->text) {
    match = false;
    got_text += " exp='" + r.explanation + "'";
    want_text += " exp='" + exp->text + "'";
  }
  return match ? std::string{} : got_text + "\t" + want_text;
}

SuiteOutcome run_suite(const std::string& yaml_path, const std::string& known_path) {
  bool ok = false;
  const std::string text = read_file(yaml_path, &ok);
  SuiteOutcome out;
  if (!ok) return out;
  const auto known = read_known_failures(known_path);
  std::vector<YamlNode> docs = YamlSubsetReader(text).documents();
  for (const YamlNode& doc : docs) {
    const YamlNode* tests = doc.find("tests");
    if (tests == nullptr) continue;
    for (const auto& [id, test] : tests->map) {
      ++out.total;
      const std::string failure = run_one(test, doc.find("zonedata"));
      const bool listed = known.count(id) != 0;
      if (failure.empty()) {
        ++out.passed;
        if (listed) out.unexpected.push_back(id + ": listed as a known failure but passes");
      } else {
        out.failures.push_back(id + "\t" + failure);
        if (!listed) out.unexpected.push_back(id + ": " + failure);
      }
    }
  }
  return out;
}

void check_suite(const char* label, const char* file, const char* known, int want_total) {
  const std::string path = std::string(CACHET_TESTDATA) + "/spf/" + file;
  if (!std::ifstream(path)) GTEST_SKIP() << "conformance suite not found at " << path;
  const SuiteOutcome o = run_suite(path, std::string(CACHET_SOURCE_DIR) + "/tests/data/spf/" + known);
  std::cout << label << " suite: " << o.passed << "/" << o.total << " pass\n";
  for (const std::string& f : o.failures) std::cout << "  failing\t" << f << "\n";
  EXPECT_EQ(o.total, want_total) << "the YAML reader lost tests";
  for (const std::string& u : o.unexpected) ADD_FAILURE() << u;
}

TEST(SpfSuite, Rfc7208) { check_suite("RFC 7208", "rfc7208-tests.yml", "rfc7208-known-failures.tsv", 203); }

// Every test of a suite through a cache, without and with the prefetch: the same verdict,
// explanation, DNS-term and void-lookup counts (the prefetch only fills the cache;
// libspf2 still asks, and the layer counts, every name). Through a cache rather than on
// the zone because a name the resolver refuses (macro-mania-in-domain expands to one
// with spaces) is nxdomain there, prefetch or not.
void check_prefetch_changes_nothing(const char* file, int want_total) {
  const std::string path = std::string(CACHET_TESTDATA) + "/spf/" + file;
  bool ok = false;
  const std::string text = read_file(path, &ok);
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
