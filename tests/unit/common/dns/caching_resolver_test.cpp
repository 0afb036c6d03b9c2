// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/caching_resolver_test.cpp: CachingResolver with a fake clock:
// positive and negative lifetimes, floors and ceilings, no caching of temporary
// failures, LRU eviction, TTL countdown, and concurrent use.
#include "common/dns/caching_resolver.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <list>
#include <random>
#include <thread>
#include <vector>

#include "common/dns/zone_resolver.hpp"

namespace cachet::dns {
namespace {

using std::chrono::seconds;

class FakeClock {
 public:
  std::chrono::steady_clock::time_point now() const { return t_.load(); }
  void advance(seconds s) { t_.store(t_.load() + s); }
  CachingResolver::Now fn() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::chrono::steady_clock::time_point> t_{std::chrono::steady_clock::time_point{}};
};

class CachingResolverTest : public ::testing::Test {
 protected:
  CachingResolverTest() {
    zone_.add("example.org", RrType::a, "192.0.2.1", 100);
    zone_.add("example.org", RrType::a, "192.0.2.2", 50);
    zone_.add("zero.example.org", RrType::a, "192.0.2.3", 0);
    zone_.add("long.example.org", RrType::a, "192.0.2.4", 10'000'000);
  }
  CachingResolver make(CacheOptions o = {}) { return CachingResolver(zone_, o, clock_.fn()); }

  ZoneResolver zone_;
  FakeClock clock_;
};

TEST_F(CachingResolverTest, PositiveAnswerLivesForTheSmallestTtl) {
  auto cache = make();
  EXPECT_EQ(cache.query("example.org", RrType::a).status, Status::answer);
  clock_.advance(seconds(49));
  const auto hit = cache.query("EXAMPLE.org.", RrType::a);  // same key once normalized
  EXPECT_EQ(zone_.query_count(), 1u);
  EXPECT_EQ(hit.records.at(0).ttl, 51u);  // counted down
  EXPECT_EQ(hit.records.at(1).ttl, 1u);
  clock_.advance(seconds(1));
  cache.query("example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 2u);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 2u);
}

TEST_F(CachingResolverTest, TypesAreSeparateKeys) {
  auto cache = make();
  cache.query("example.org", RrType::a);
  cache.query("example.org", RrType::txt);
  EXPECT_EQ(zone_.query_count(), 2u);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(CachingResolverTest, TtlZeroIsNotCached) {
  auto cache = make();
  cache.query("zero.example.org", RrType::a);
  cache.query("zero.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 2u);
}

TEST_F(CachingResolverTest, PositiveTtlIsCapped) {
  CacheOptions o;
  o.max_ttl = seconds(600);
  auto cache = make(o);
  cache.query("long.example.org", RrType::a);
  clock_.advance(seconds(599));
  cache.query("long.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 1u);
  clock_.advance(seconds(1));
  cache.query("long.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 2u);
}

TEST_F(CachingResolverTest, NegativeAnswersUseSoaMinimum) {
  zone_.set_negative_ttl(30);
  auto cache = make();
  EXPECT_EQ(cache.query("nx.example.org", RrType::a).status, Status::nxdomain);
  EXPECT_EQ(cache.query("example.org", RrType::txt).status, Status::nodata);
  clock_.advance(seconds(29));
  EXPECT_EQ(cache.query("nx.example.org", RrType::a).status, Status::nxdomain);
  EXPECT_EQ(cache.query("example.org", RrType::txt).status, Status::nodata);
  EXPECT_EQ(zone_.query_count(), 2u);
  clock_.advance(seconds(1));
  cache.query("nx.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 3u);
}

TEST_F(CachingResolverTest, NegativeTtlIsClamped) {
  CacheOptions o;
  o.negative_ttl_floor = seconds(10);
  o.negative_ttl_ceiling = seconds(100);
  o.negative_ttl_default = seconds(20);
  zone_.set_negative_ttl(1);  // below the floor
  auto cache = make(o);
  cache.query("nx1.example.org", RrType::a);
  clock_.advance(seconds(9));
  cache.query("nx1.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 1u);
  zone_.set_negative_ttl(100000);  // above the ceiling
  cache.query("nx2.example.org", RrType::a);
  clock_.advance(seconds(100));
  cache.query("nx2.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 3u);
  zone_.set_negative_ttl(0);  // no SOA: the default
  cache.query("nx3.example.org", RrType::a);
  clock_.advance(seconds(19));
  cache.query("nx3.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 4u);
  clock_.advance(seconds(1));
  cache.query("nx3.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 5u);
}

TEST_F(CachingResolverTest, TemporaryFailuresAreNotCachedByDefault) {
  zone_.set_timeout("slow.example.org");
  zone_.set_servfail("bad.example.org");
  auto cache = make();
  EXPECT_EQ(cache.query("slow.example.org", RrType::a).status, Status::timeout);
  EXPECT_EQ(cache.query("slow.example.org", RrType::a).status, Status::timeout);
  EXPECT_EQ(cache.query("bad.example.org", RrType::a).status, Status::servfail);
  EXPECT_EQ(cache.query("bad.example.org", RrType::a).status, Status::servfail);
  EXPECT_EQ(zone_.query_count(), 4u);
  EXPECT_EQ(cache.size(), 0u);
  zone_.clear_faults();  // the server recovered: the next query sees it at once
  EXPECT_EQ(cache.query("bad.example.org", RrType::a).status, Status::nxdomain);
}

TEST_F(CachingResolverTest, TemporaryFailuresCachedBrieflyWhenAsked) {
  CacheOptions o;
  o.temporary_ttl = seconds(2);
  zone_.set_servfail("bad.example.org");
  auto cache = make(o);
  cache.query("bad.example.org", RrType::a);
  clock_.advance(seconds(1));
  EXPECT_EQ(cache.query("bad.example.org", RrType::a).status, Status::servfail);
  EXPECT_EQ(zone_.query_count(), 1u);
  clock_.advance(seconds(1));
  cache.query("bad.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 2u);
}

TEST_F(CachingResolverTest, InvalidNamesNeverReachTheBackend) {
  auto cache = make();
  const auto got = cache.query(std::string(64, 'x') + ".org", RrType::a);
  EXPECT_TRUE(got.is_invalid_name);
  EXPECT_EQ(zone_.query_count(), 0u);
  EXPECT_EQ(cache.size(), 0u);
}

// Names with odd octets (RFC 2181 s11) are keyed by their one spelling: letter case and
// the trailing dot do not split an entry, other octets do; a raw space is no spelling.
TEST_F(CachingResolverTest, KeysNamesWithOddOctets) {
  zone_.add("a\\032b.example.org", RrType::a, "192.0.2.5", 100);
  zone_.add("a\\000b.example.org", RrType::a, "192.0.2.6", 100);
  auto cache = make();
  EXPECT_EQ(cache.query("a\\032b.example.org", RrType::a).records.at(0).value, "192.0.2.5");
  EXPECT_EQ(cache.query("A\\032B.example.ORG.", RrType::a).records.at(0).value, "192.0.2.5");
  EXPECT_EQ(zone_.query_count(), 1u);
  EXPECT_EQ(cache.query("a\\000b.example.org", RrType::a).records.at(0).value, "192.0.2.6");
  EXPECT_EQ(zone_.query_count(), 2u);
  EXPECT_TRUE(cache.query("a b.example.org", RrType::a).is_invalid_name);
  EXPECT_TRUE(cache.query("a\\065b.example.org", RrType::a).is_invalid_name);  // \065 is 'A': written as itself
  EXPECT_EQ(zone_.query_count(), 2u);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(CachingResolverTest, EvictsLeastRecentlyUsed) {
  CacheOptions o;
  o.max_entries = 2;
  for (const char* n : {"n1.example.org", "n2.example.org", "n3.example.org"})
    zone_.add(n, RrType::a, "192.0.2.9", 1000);
  auto cache = make(o);
  cache.query("n1.example.org", RrType::a);
  cache.query("n2.example.org", RrType::a);
  cache.query("n1.example.org", RrType::a);  // n1 is now the most recent
  cache.query("n3.example.org", RrType::a);  // evicts n2
  EXPECT_EQ(cache.size(), 2u);
  zone_.reset_query_count();
  cache.query("n1.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 0u);
  cache.query("n2.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 1u);
}

// The recency list is linked through the table's entries: an expired entry leaves it, a
// clear() empties it, and eviction still takes the least recently used afterwards.
TEST_F(CachingResolverTest, RecencySurvivesExpiryAndClear) {
  CacheOptions o;
  o.max_entries = 3;
  for (const char* n : {"n1.example.org", "n3.example.org", "n4.example.org"})
    zone_.add(n, RrType::a, "192.0.2.9", 1000);
  zone_.add("n2.example.org", RrType::a, "192.0.2.9", 10);
  auto cache = make(o);
  for (const char* n : {"n1.example.org", "n2.example.org", "n3.example.org"}) cache.query(n, RrType::a);
  clock_.advance(seconds(11));
  cache.query("n2.example.org", RrType::a);  // expired, asked again: the newest
  cache.query("n4.example.org", RrType::a);  // evicts n1
  EXPECT_EQ(cache.size(), 3u);
  zone_.reset_query_count();
  for (const char* n : {"n2.example.org", "n3.example.org", "n4.example.org"}) cache.query(n, RrType::a);
  EXPECT_EQ(zone_.query_count(), 0u);
  cache.query("n1.example.org", RrType::a);  // evicts n2, the least recent now
  EXPECT_EQ(zone_.query_count(), 1u);
  cache.clear();
  for (const char* n : {"n1.example.org", "n2.example.org", "n3.example.org", "n4.example.org"})
    cache.query(n, RrType::a);
  EXPECT_EQ(cache.size(), 3u);
  zone_.reset_query_count();
  cache.query("n4.example.org", RrType::a);
  cache.query("n1.example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 1u);  // n1 went first
}

// Exact LRU at max_entries over a long mixed run (lookups, stores, evictions, expiries in
// batches and alone) against a list model: every name the model holds is a hit, every
// other one reaches the backend.
TEST_F(CachingResolverTest, EvictionMatchesAnLruModel) {
  CacheOptions o;
  o.max_entries = 20;
  for (int i = 0; i < 60; ++i)
    zone_.add("m" + std::to_string(i) + ".example.org", RrType::a, "192.0.2.12", i % 7 == 0 ? 30 : 1000);
  auto cache = make(o);
  std::list<std::pair<int, std::chrono::steady_clock::time_point>> model;  // newest first, with expiry
  std::mt19937 rng(20);
  for (int step = 0; step < 3000; ++step) {
    std::vector<int> picks;
    for (std::size_t j = 1 + rng() % 3; j > 0; --j) {
      const int n = static_cast<int>(rng() % 60);
      if (std::find(picks.begin(), picks.end(), n) == picks.end()) picks.push_back(n);
    }
    std::vector<std::string> names;
    for (int n : picks) names.push_back("m" + std::to_string(n) + ".example.org");
    std::size_t expected_misses = 0;
    const auto now = clock_.now();
    for (int n : picks) {  // lookups first, then the misses stored in order
      const auto it = std::find_if(model.begin(), model.end(), [&](const auto& m) { return m.first == n; });
      const bool is_hit = it != model.end() && now < it->second;
      if (is_hit)
        model.splice(model.begin(), model, it);
      else if (it != model.end())
        model.erase(it);
      expected_misses += is_hit ? 0 : 1;
    }
    for (int n : picks) {
      if (std::any_of(model.begin(), model.end(), [&](const auto& m) { return m.first == n; })) continue;
      model.emplace_front(n, now + seconds(n % 7 == 0 ? 30 : 1000));
      if (model.size() > o.max_entries) model.pop_back();
    }
    zone_.reset_query_count();
    if (names.size() == 1) {
      cache.query(names[0], RrType::a);
    } else {
      std::vector<Question> qs;
      for (const auto& n : names) qs.push_back({n, RrType::a});
      (void)cache.query_many(qs);
    }
    ASSERT_EQ(zone_.query_count(), expected_misses) << step;
    ASSERT_EQ(cache.size(), model.size()) << step;
    if (step % 100 == 0) clock_.advance(seconds(7));
  }
}

TEST_F(CachingResolverTest, ClearEmptiesTheCache) {
  auto cache = make();
  cache.query("example.org", RrType::a);
  cache.clear();
  EXPECT_EQ(cache.size(), 0u);
  cache.query("example.org", RrType::a);
  EXPECT_EQ(zone_.query_count(), 2u);
}

TEST_F(CachingResolverTest, QueryManyAnswersHitsAndBatchesTheMisses) {
  zone_.set_servfail("bad.example.org");
  zone_.set_negative_ttl(30);
  auto cache = make();
  EXPECT_EQ(cache.query("example.org", RrType::a).status, Status::answer);
  EXPECT_EQ(cache.query("nx.example.org", RrType::a).status, Status::nxdomain);
  zone_.reset_query_count();
  const std::string invalid = std::string(64, 'x') + ".org";
  const std::vector<Question> qs{{"example.org", RrType::a},        {"long.example.org", RrType::a},
                                 {"nx.example.org", RrType::a},     {invalid, RrType::a},
                                 {"bad.example.org", RrType::a},    {"LONG.example.org.", RrType::a},
                                 {"other.example.org", RrType::txt}};
  const auto got = cache.query_many(qs);
  ASSERT_EQ(got.size(), qs.size());
  EXPECT_EQ(got[0].records.at(0).value, "192.0.2.1");  // hits, in place
  EXPECT_EQ(got[1].records.at(0).value, "192.0.2.4");
  EXPECT_EQ(got[2].status, Status::nxdomain);
  EXPECT_TRUE(got[3].is_invalid_name);
  EXPECT_EQ(got[4].status, Status::servfail);
  EXPECT_EQ(got[5].records.at(0).value, "192.0.2.4");  // the same name twice: asked once
  EXPECT_EQ(got[6].status, Status::nxdomain);
  EXPECT_EQ(zone_.query_count(), 3u);  // long, bad, other
  EXPECT_EQ(cache.hits(), 2u);
  // The answers were stored (servfail was not: temporary_ttl 0).
  EXPECT_EQ(cache.query_many(qs).at(1).records.at(0).value, "192.0.2.4");
  EXPECT_EQ(zone_.query_count(), 4u);  // only bad.example.org again
}

TEST_F(CachingResolverTest, QueryManyPassesTheMissesAsOneBatch) {
  class Recorder final : public Resolver {
   public:
    explicit Recorder(Resolver& inner) : inner_(inner) {}
    Answer query(std::string_view name, RrType type) override { return inner_.query(name, type); }
    std::vector<Answer> query_many(std::span<const Question> qs) override {
      auto& batch = batches.emplace_back();
      for (const Question& q : qs) batch.emplace_back(q.name);
      return Resolver::query_many(qs);
    }
    std::vector<std::vector<std::string>> batches;

   private:
    Resolver& inner_;
  } recorder(zone_);
  CachingResolver cache(recorder, {}, clock_.fn());
  cache.query("example.org", RrType::a);  // query() does not batch
  EXPECT_TRUE(recorder.batches.empty());
  (void)cache.query_many(
      std::vector<Question>{{"example.org", RrType::a}, {"A.example.org", RrType::a}, {"b.example.org", RrType::mx}});
  ASSERT_EQ(recorder.batches.size(), 1u);
  EXPECT_EQ(recorder.batches[0], (std::vector<std::string>{"a.example.org", "b.example.org"}));  // normalized
  (void)cache.query_many(std::vector<Question>{{"example.org", RrType::a}});
  EXPECT_EQ(recorder.batches.size(), 1u);  // all hits: nothing passed on
  EXPECT_EQ(cache.cache_capacity(), CacheOptions{}.max_entries);
}

TEST_F(CachingResolverTest, ConcurrentQueriesAgree) {
  CacheOptions o;
  o.max_entries = 16;  // small, so eviction runs under contention too
  for (int i = 0; i < 40; ++i) zone_.add("h" + std::to_string(i) + ".example.org", RrType::a, "192.0.2.10", 1000);
  auto cache = make(o);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        const auto got = cache.query("h" + std::to_string((i * 7 + t) % 40) + ".example.org", RrType::a);
        if (got.status != Status::answer || got.records.at(0).value != "192.0.2.10") ++wrong;
        if (i % 50 == 0) clock_.advance(seconds(1));
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 16u);
  EXPECT_EQ(cache.hits() + cache.misses(), 6u * 400u);
}

TEST_F(CachingResolverTest, ConcurrentBatchesAgree) {
  CacheOptions o;
  o.max_entries = 16;
  for (int i = 0; i < 40; ++i) zone_.add("b" + std::to_string(i) + ".example.org", RrType::a, "192.0.2.11", 1000);
  auto cache = make(o);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        std::vector<std::string> names;
        for (int j = 0; j < 5; ++j) names.push_back("b" + std::to_string((i * 3 + j * 7 + t) % 40) + ".example.org");
        std::vector<Question> qs;
        for (const auto& n : names) qs.push_back({n, RrType::a});
        for (const auto& got : cache.query_many(qs))
          if (got.status != Status::answer || got.records.at(0).value != "192.0.2.11") ++wrong;
        if (i % 25 == 0) clock_.advance(seconds(1));
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.size(), 16u);
}

}  // namespace
}  // namespace cachet::dns
