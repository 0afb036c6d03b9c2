// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/spf/prefetch_test.cpp: the SPF prefetch (common/spf/prefetch.hpp):
// which names a record's terms give (macro and ptr terms skipped but counted, the term
// budget, the end at "all" or a matching ip4/ip6, redirect= only when followed, the
// client's address family), the waves seen by the backend of a CachingResolver through
// SpfEngine, no prefetch without a cache, and temporary failures that stay temporary.
// The RFC 7208 suite with prefetch on is in rfc7208_suite_test.cpp.
#include "common/spf/prefetch.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/spf/engine.hpp"

namespace cachet::spf {
namespace {

using dns::RrType;

std::vector<std::string> names_of(const std::vector<PrefetchTarget>& ts) {
  std::vector<std::string> out;
  for (const auto& t : ts) out.push_back(t.name + "/" + std::to_string(static_cast<int>(t.type)));
  return out;
}

struct TargetCase {
  const char* name;
  const char* record;
  const char* client;
  std::vector<std::string> want;  // "name/type"
  int want_terms_left;
};

class RecordTargets : public ::testing::TestWithParam<TargetCase> {};

TEST_P(RecordTargets, GivesTheNamesTheEvaluationWillAsk) {
  const TargetCase& c = GetParam();
  const auto rec = validate_spf_record(c.record);
  ASSERT_TRUE(rec.has_value()) << c.name;
  std::uint8_t addr[16] = {};
  const bool is_v6 = std::string_view(c.client).find(':') != std::string_view::npos;
  ASSERT_EQ(inet_pton(is_v6 ? AF_INET6 : AF_INET, c.client, addr), 1);
  PrefetchState st;
  const auto got = record_targets(*rec, "d.example", PrefetchClient{is_v6, addr}, st);
  EXPECT_EQ(names_of(got), c.want) << c.name;
  EXPECT_EQ(st.terms_left, c.want_terms_left) << c.name;
}

// RrType numbers: A 1, MX 15, TXT 16, AAAA 28.
INSTANTIATE_TEST_SUITE_P(
    Rfc7208, RecordTargets,
    ::testing::Values(
        TargetCase{"no DNS terms", "v=spf1 ip4:198.51.100.0/24 -all", "192.0.2.1", {}, 10},
        TargetCase{"bench shape",
                   "v=spf1 a mx include:i.example -all",
                   "192.0.2.1",
                   {"d.example/1", "d.example/15", "i.example/16"},
                   7},
        TargetCase{"ipv6 client asks AAAA, exists stays A",
                   "v=spf1 a:h.example exists:e.example mx -all",
                   "2001:db8::1",
                   {"h.example/28", "e.example/1", "d.example/15"},
                   7},
        TargetCase{"macro and ptr terms counted, not fetched",
                   "v=spf1 a:%{i}.x.example ptr include:%{d}.i.example mx -all",
                   "192.0.2.1",
                   {"d.example/15"},
                   6},
        TargetCase{"redirect followed when there is no all",
                   "v=spf1 redirect=r.example a",
                   "192.0.2.1",
                   {"d.example/1", "r.example/16"},
                   8},
        TargetCase{"redirect ignored with all", "v=spf1 a redirect=r.example ~all", "192.0.2.1", {"d.example/1"}, 9},
        TargetCase{"nothing after all", "v=spf1 a -all mx", "192.0.2.1", {"d.example/1"}, 9},
        TargetCase{"nothing after a matching ip4",
                   "v=spf1 a:x.example ip4:192.0.2.0/24 mx redirect=r.example",
                   "192.0.2.7",
                   {"x.example/1"},
                   9},
        TargetCase{"a non-matching ip4 does not end", "v=spf1 ip4:192.0.2.0/25 mx", "192.0.2.200", {"d.example/15"}, 9},
        TargetCase{
            "ip6 mechanism never ends an ipv4 client's record", "v=spf1 ip6:::/0 mx", "192.0.2.1", {"d.example/15"}, 9},
        TargetCase{"matching ip6 with an odd prefix", "v=spf1 ip6:2001:db8::/33 mx", "2001:db8:7fff::1", {}, 10},
        TargetCase{"the term budget",
                   "v=spf1 a:1.example a:2.example a:3.example a:4.example a:5.example "
                   "a:6.example a:7.example a:8.example a:9.example a:10.example a:11.example -all",
                   "192.0.2.1",
                   {"1.example/1", "2.example/1", "3.example/1", "4.example/1", "5.example/1", "6.example/1",
                    "7.example/1", "8.example/1", "9.example/1", "10.example/1"},
                   0}));

// Targets from answers (presentation form) as the dotted text libspf2 takes.
TEST(ToDottedName, ResolvesEscapesOrRefuses) {
  std::string plain = "mx.example.org";
  EXPECT_TRUE(to_dotted_name(plain));
  EXPECT_EQ(plain, "mx.example.org");
  std::string spaced = "a\\032b.example";
  EXPECT_TRUE(to_dotted_name(spaced));
  EXPECT_EQ(spaced, "a b.example");
  std::string eight_bit = "\\255\\092.example";
  EXPECT_TRUE(to_dotted_name(eight_bit));
  EXPECT_EQ(eight_bit, "\xff\\.example");
  for (std::string refused : {"a\\046b.example", "a\\000b.example", "a\\065b.example"})
    EXPECT_FALSE(to_dotted_name(refused)) << refused;  // a dot in a label, a NUL, no valid spelling
}

TEST(TakePrefetched, EachAnswerServesOneLookup) {
  PrefetchState st;
  dns::Answer a;
  a.status = dns::Status::answer;
  st.answers.push_back({"h.example", RrType::a, a});
  st.answers.push_back({"h.example", RrType::mx, a});
  EXPECT_FALSE(take_prefetched(st, "h.example", RrType::aaaa).has_value());
  EXPECT_TRUE(take_prefetched(st, "H.Example.", RrType::a).has_value());  // case, trailing dot
  EXPECT_FALSE(take_prefetched(st, "h.example", RrType::a).has_value());  // taken: the next asks
  EXPECT_EQ(st.answers.size(), 1u);
}

// Records what reaches the network side: single queries and batches, in order.
class Recorder final : public dns::Resolver {
 public:
  explicit Recorder(dns::Resolver& inner) : inner_(inner) {}
  dns::Answer query(std::string_view name, RrType type) override {
    calls.push_back({std::string(name) + "/" + std::to_string(static_cast<int>(type))});
    return inner_.query(name, type);
  }
  std::vector<dns::Answer> query_many(std::span<const dns::Question> qs) override {
    std::vector<std::string>& batch = calls.emplace_back();
    std::vector<dns::Answer> out;
    for (const auto& q : qs) {
      batch.push_back(std::string(q.name) + "/" + std::to_string(static_cast<int>(q.type)));
      out.push_back(inner_.query(q.name, q.type));
    }
    return out;
  }
  std::size_t questions() const {
    std::size_t n = 0;
    for (const auto& c : calls) n += c.size();
    return n;
  }
  std::vector<std::vector<std::string>> calls;  // a query(): a batch of one

 private:
  dns::Resolver& inner_;
};

class SpfPrefetch : public ::testing::Test {
 protected:
  SpfPrefetch() {
    zone_.add_txt("cold.example", {"v=spf1 a mx include:inc.example -all"});
    zone_.add("cold.example", RrType::a, "203.0.113.210");
    zone_.add_mx("cold.example", 10, "mx1.cold.example");
    zone_.add_mx("cold.example", 20, "mx2.cold.example");
    zone_.add("mx1.cold.example", RrType::a, "203.0.113.211");
    zone_.add("mx2.cold.example", RrType::a, "203.0.113.212");
    zone_.add_txt("inc.example", {"v=spf1 a:host.inc.example include:deep.example -all"});
    zone_.add("host.inc.example", RrType::a, "198.51.100.1");
    zone_.add_txt("deep.example", {"v=spf1 ip4:198.51.100.0/24 -all"});
  }
  dns::ZoneResolver zone_;
  Recorder recorder_{zone_};
};

TEST_F(SpfPrefetch, AsksTheRecordsNamesInWavesBreadthFirst) {
  dns::CachingResolver cache(recorder_);
  SpfEngine engine(cache, {});
  const SpfResult r = engine.check_mailfrom("198.51.100.9", "u@cold.example", "helo.example");
  EXPECT_EQ(r.verdict, Verdict::pass);
  EXPECT_EQ(r.dns_terms, 5);  // a, mx, include, a:host, include:deep: counted as always
  const std::vector<std::vector<std::string>> want{
      {"cold.example/16"},                                                                    // libspf2's first fetch
      {"cold.example/1", "cold.example/15", "inc.example/16"},                                // the record's terms
      {"mx1.cold.example/1", "mx2.cold.example/1", "host.inc.example/1", "deep.example/16"},  // what they led to
  };
  EXPECT_EQ(recorder_.calls, want);  // then every lookup of libspf2 was a cache hit
}

TEST_F(SpfPrefetch, LeavesLoneNamesAndCachedRecordsToLibspf2) {
  zone_.add_txt("top.example", {"v=spf1 include:one.example -all"});
  zone_.add_txt("one.example", {"v=spf1 a:p.example a:q.example -all"});
  zone_.add("p.example", RrType::a, "192.0.2.10");
  zone_.add("q.example", RrType::a, "192.0.2.11");
  dns::CachingResolver cache(recorder_);
  SpfEngine engine(cache, {});
  EXPECT_EQ(engine.check_mailfrom("192.0.2.11", "u@top.example", "helo.example").verdict, Verdict::pass);
  // The include alone is no batch: libspf2 fetches it, and its record's names come together.
  const std::vector<std::vector<std::string>> want{
      {"top.example/16"}, {"one.example/16"}, {"p.example/1", "q.example/1"}};
  EXPECT_EQ(recorder_.calls, want);
  recorder_.calls.clear();
  EXPECT_EQ(engine.check_mailfrom("192.0.2.11", "u@top.example", "helo.example").verdict, Verdict::pass);
  EXPECT_TRUE(recorder_.calls.empty()) << "a cached record starts no prefetch";
}

TEST_F(SpfPrefetch, ResultsAndCountsMatchTheSequentialEvaluation) {
  dns::CachingResolver cache(recorder_);
  SpfEngine with(cache, {});
  SpfEngine without(zone_, {});
  for (const char* ip : {"198.51.100.9", "203.0.113.211", "203.0.113.210", "192.0.2.1", "2001:db8::1"}) {
    cache.clear();
    const SpfResult a = with.check_mailfrom(ip, "u@cold.example", "helo.example");
    const SpfResult b = without.check_mailfrom(ip, "u@cold.example", "helo.example");
    EXPECT_EQ(a.verdict, b.verdict) << ip;
    EXPECT_EQ(a.dns_terms, b.dns_terms) << ip;
    EXPECT_EQ(a.void_lookups, b.void_lookups) << ip;
    EXPECT_EQ(a.received_spf, b.received_spf) << ip;
  }
}

TEST_F(SpfPrefetch, NoPrefetchWithoutACache) {
  SpfEngine engine(recorder_, {});  // no cache: each name once, as libspf2 asks
  EXPECT_EQ(engine.check_mailfrom("198.51.100.9", "u@cold.example", "helo.example").verdict, Verdict::pass);
  for (const auto& c : recorder_.calls) EXPECT_EQ(c.size(), 1u);
  dns::CacheOptions tiny;
  tiny.max_entries = kMinCacheForPrefetch - 1;  // too small to hold what it would fetch
  dns::CachingResolver small(recorder_, tiny);
  recorder_.calls.clear();
  SpfEngine engine2(small, {});
  EXPECT_EQ(engine2.check_mailfrom("198.51.100.9", "u@cold.example", "helo.example").verdict, Verdict::pass);
  for (const auto& c : recorder_.calls) EXPECT_EQ(c.size(), 1u);
}

TEST_F(SpfPrefetch, StaysWithinTheTermBudgetAcrossIncludes) {
  // 4 includes of 4 a: terms each = 20 terms: the evaluation permerrors at the 11th; the
  // prefetch asks at most 10 terms' names (here: the 4 includes and 6 a: names).
  std::string top = "v=spf1";
  for (int i = 0; i < 4; ++i) {
    const std::string inc = "i" + std::to_string(i) + ".example";
    top += " include:" + inc;
    std::string rec = "v=spf1";
    for (int j = 0; j < 4; ++j) {
      const std::string h = "h" + std::to_string(j) + "." + inc;
      rec += " a:" + h;
      zone_.add(h, RrType::a, "192.0.2.200");
    }
    zone_.add_txt(inc, {rec + " -all"});
  }
  zone_.add_txt("wide.example", {top + " -all"});
  dns::CachingResolver cache(recorder_);
  SpfEngine engine(cache, {});
  const SpfResult r = engine.check_mailfrom("198.51.100.9", "u@wide.example", "helo.example");
  ASSERT_GE(recorder_.calls.size(), 2u);
  std::size_t prefetched = 0;
  for (std::size_t i = 1; i < recorder_.calls.size(); ++i)
    if (recorder_.calls[i].size() > 1) prefetched += recorder_.calls[i].size();
  EXPECT_EQ(prefetched, 10u);
  EXPECT_EQ(r.verdict, Verdict::permerror);  // the evaluation itself still stops at the 11th term
}

TEST_F(SpfPrefetch, TimeoutIsAskedAgainAndNeverPasses) {
  zone_.add_txt("t.example", {"v=spf1 a:slow.example mx +all"});
  zone_.add_mx("t.example", 10, "mx1.cold.example");
  zone_.set_timeout("slow.example");
  dns::CachingResolver cache(recorder_);
  SpfEngine engine(cache, {});
  const SpfResult r = engine.check_mailfrom("198.51.100.9", "u@t.example", "helo.example");
  EXPECT_EQ(r.verdict, Verdict::temperror);
  int asked = 0;
  for (const auto& c : recorder_.calls)
    for (const auto& n : c) asked += n == "slow.example/1" ? 1 : 0;
  EXPECT_EQ(asked, 2);  // by the prefetch, then by libspf2 itself (timeouts are not cached)
}

}  // namespace
}  // namespace cachet::spf
