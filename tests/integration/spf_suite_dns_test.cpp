// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/spf_suite_dns_test.cpp: the openspf RFC 7208 and RFC 4408 suites (and
// pyspf's extras) through the network path a daemon uses: SpfEngine -> LdnsResolver ->
// UDP (TCP on truncation) on 127.0.0.1 -> the test DNS server (tests/lib/dns_server.hpp)
// serving each scenario's zonedata; with the resolver alone, and behind a CachingResolver
// with the SPF prefetch on. The in-memory run (tests/unit/common/spf/rfc7208_suite_test.cpp)
// cannot see what the wire does to a name (presentation form and escapes, the query's
// encoding, the reply's question check, the cache key): macro-mania-in-domain asks a name
// holding spaces and '%', which only this run puts on the wire.
// The zone is SuiteZone's reading of zonedata (the same driver rules as the in-memory
// run), with two changes a real server imposes: the suite's TIMEOUT is served as SERVFAIL
// (both are a temporary DNS error, temperror to SPF either way; a real timeout would make
// the run wait on the clock, and the resolver's timeouts are tested in
// dns_resolver_test.cpp), and records get a TTL of 300 so that the cache keeps them for
// the prefetch. A scenario's records the zone refuses are reported as failures. Same
// expectations and known-failure lists (tests/data/spf/*-known-failures.tsv) as the
// in-memory run: both paths must give the same results. Skips visibly without the suites.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/spf/engine.hpp"
#include "tests/lib/dns_server.hpp"
#include "tests/unit/common/spf/suite_runner.hpp"
#include "tests/unit/common/spf/suite_zone.hpp"

namespace cachet::spf {
namespace {

using testing::SuiteZone;
using testing::YamlNode;

constexpr dns::RrType kServedTypes[] = {dns::RrType::a,   dns::RrType::aaaa, dns::RrType::mx,   dns::RrType::ptr,
                                        dns::RrType::txt, dns::RrType::spf,  dns::RrType::cname};

// One scenario served: its zone, the server on 127.0.0.1, a resolver that asks it.
class ServedScenario {
 public:
  explicit ServedScenario(const YamlNode* zonedata) {
    const SuiteZone suite(zonedata);
    for (const auto& [owner, name] : suite.names()) serve(owner, name);
    EXPECT_TRUE(server_.start("127.0.0.1").has_value());
    dns::ResolverOptions o;
    o.nameservers = {server_.nameserver()};
    o.retries = 0;  // nothing is lost on loopback, and nothing here times out
    auto r = dns::LdnsResolver::create(o);
    EXPECT_TRUE(r.has_value());
    if (r) resolver_ = std::move(*r);
  }

  dns::Resolver& resolver() { return *resolver_; }
  const std::vector<std::string>& refused() const { return refused_; }

 private:
  void serve(const std::string& owner, const SuiteZone::Name& n) {
    std::set<dns::RrType> has;
    try {
      for (dns::Record r : n.records) {
        r.ttl = 300;
        has.insert(r.type);
        zone_.add_record(std::move(r));
      }
      for (const dns::RrType t : n.timeout_types) zone_.set_servfail(owner, t);
      if (n.timeout_all)
        for (const dns::RrType t : kServedTypes)
          if (has.count(t) == 0) zone_.set_servfail(owner, t);
    } catch (const std::invalid_argument& e) {  // the zone refused the name
      refused_.push_back("'" + owner + "': " + e.what());
    }
  }

  dns::ZoneResolver zone_;
  testlib::DnsServer server_{zone_};
  std::unique_ptr<dns::LdnsResolver> resolver_;
  std::vector<std::string> refused_;
};

// Evaluates each test on its scenario's server, started once per scenario.
class SuiteOverDns {
 public:
  explicit SuiteOverDns(bool is_cached) : is_cached_(is_cached) {}

  SpfResult operator()(const YamlNode& test, const YamlNode* zonedata) {
    if (!served_ || zonedata != zonedata_) {
      served_.reset();  // the previous scenario's server stops first
      served_ = std::make_unique<ServedScenario>(zonedata);
      zonedata_ = zonedata;
      for (const std::string& r : served_->refused()) ADD_FAILURE() << "zone refused " << r;
    }
    dns::CachingResolver cache(served_->resolver());  // fresh per test: every test starts cold
    SpfEngine engine(is_cached_ ? static_cast<dns::Resolver&>(cache) : served_->resolver(), testing::suite_options());
    return engine.check_mailfrom(test.get("host"), test.get("mailfrom"), test.get("helo"));
  }

 private:
  bool is_cached_;
  const YamlNode* zonedata_ = nullptr;
  std::unique_ptr<ServedScenario> served_;
};

void check_over_dns(const char* label, const char* file, const char* known, int want_total, bool is_cached) {
  SuiteOverDns eval(is_cached);
  testing::check_suite(std::string(label) + (is_cached ? " over DNS, cached + prefetch" : " over DNS"), file, known,
                       want_total, [&](const YamlNode& t, const YamlNode* z) { return eval(t, z); });
}

TEST(SpfSuiteOverDns, Rfc7208) {
  check_over_dns("RFC 7208", "rfc7208-tests.yml", "rfc7208-known-failures.tsv", 203, false);
}

TEST(SpfSuiteOverDns, Rfc7208CachedWithPrefetch) {
  check_over_dns("RFC 7208", "rfc7208-tests.yml", "rfc7208-known-failures.tsv", 203, true);
}

TEST(SpfSuiteOverDns, Rfc4408) {
  check_over_dns("RFC 4408", "rfc4408-tests.yml", "rfc4408-known-failures.tsv", 191, false);
}

TEST(SpfSuiteOverDns, Rfc4408CachedWithPrefetch) {
  check_over_dns("RFC 4408", "rfc4408-tests.yml", "rfc4408-known-failures.tsv", 191, true);
}

TEST(SpfSuiteOverDns, PyspfExtras) {
  check_over_dns("pyspf extras", "pyspf-test.yml", "pyspf-known-failures.tsv", 16, false);
}

}  // namespace
}  // namespace cachet::spf
