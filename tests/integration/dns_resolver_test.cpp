// SPDX-License-Identifier: BSD-2-Clause
//
// tests/integration/dns_resolver_test.cpp: LdnsResolver against the test DNS server
// (tests/lib/dns_server.hpp) on 127.0.0.1: every outcome, TCP fallback, CNAMEs, timeout
// bounds. Only loopback traffic; nothing sleeps (timeouts are measured, bounded loosely).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/base/fd.hpp"
#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"

namespace cachet::dns {
namespace {

using std::chrono::milliseconds;

class LdnsResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zone_.add("a.example.org", RrType::a, "192.0.2.1");
    zone_.add("a.example.org", RrType::a, "192.0.2.2");
    zone_.add("a.example.org", RrType::aaaa, "2001:DB8:0:0::1");
    zone_.add_mx("example.org", 20, "MX2.Example.org");
    zone_.add_mx("example.org", 10, "mx1.example.org");
    zone_.add_txt("txt.example.org", {"v=spf1 ", "-all"});
    zone_.add("alias.example.org", RrType::cname, "a.example.org");
    zone_.add("alias2.example.org", RrType::cname, "alias.example.org");
    zone_.add("dangling.example.org", RrType::cname, "missing.example.org");
    ASSERT_TRUE(server_.start("127.0.0.1").has_value());
  }

  std::unique_ptr<LdnsResolver> make(milliseconds timeout = milliseconds(2000), unsigned retries = 1) {
    ResolverOptions o;
    o.nameservers = {server_.nameserver()};
    o.timeout = timeout;
    o.retries = retries;
    auto r = LdnsResolver::create(o);
    EXPECT_TRUE(r.has_value());
    return std::move(*r);
  }

  ZoneResolver zone_;
  testlib::DnsServer server_{zone_};
};

// Labels may hold any octet (RFC 2181 s11): names in presentation form reach the server
// with their octets (the zone's owners are the same escapes), and the reply's question and
// records come back in the same spelling; letter case is folded, nothing else.
TEST_F(LdnsResolverTest, NamesWithOddOctets) {
  zone_.add("macro%percent\\032\\032space%20url-space.example.com", RrType::a, "1.2.3.4");
  zone_.add("nul\\000and\\255.example.org", RrType::txt, "odd");
  zone_.add("dot\\046inside.example.org", RrType::mx, "10 mx\\032host.example.org");
  auto r = make();
  const auto a = r->query("Macro%Percent\\032\\032Space%20url-space.example.com.", RrType::a);
  ASSERT_EQ(a.status, Status::answer);
  EXPECT_EQ(a.records.at(0).value, "1.2.3.4");
  EXPECT_EQ(a.records.at(0).owner, "macro%percent\\032\\032space%20url-space.example.com");
  EXPECT_EQ(r->query("nul\\000and\\255.example.org", RrType::txt).status, Status::answer);
  const auto mx = r->query("dot\\046inside.example.org", RrType::mx);
  ASSERT_EQ(mx.status, Status::answer);
  EXPECT_EQ(mx.records.at(0).value, "mx\\032host.example.org");
  // The same octets without the escapes are other names: the dot splits the label.
  EXPECT_EQ(r->query("dot.inside.example.org", RrType::mx).status, Status::nxdomain);
  // A raw space is not sent at all.
  const auto raw = r->query("macro%percent  space%20url-space.example.com", RrType::a);
  EXPECT_TRUE(raw.is_invalid_name);
}

TEST_F(LdnsResolverTest, AnswersARecords) {
  const auto got = make()->query("A.Example.Org.", RrType::a);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].value, "192.0.2.1");
  EXPECT_EQ(got.records[1].value, "192.0.2.2");
  EXPECT_EQ(got.records[0].owner, "a.example.org");
  EXPECT_EQ(got.records[0].ttl, kDefaultZoneTtl);
}

TEST_F(LdnsResolverTest, AnswersAaaaInCanonicalForm) {
  const auto got = make()->query("a.example.org", RrType::aaaa);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].value, "2001:db8::1");
}

TEST_F(LdnsResolverTest, AnswersMxWithPreferenceAndLowerCaseTarget) {
  const auto got = make()->query("example.org", RrType::mx);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].preference, 20);
  EXPECT_EQ(got.records[0].value, "mx2.example.org");
  EXPECT_EQ(got.records[1].preference, 10);
}

TEST_F(LdnsResolverTest, ConcatenatesTxtStrings) {
  const auto got = make()->query("txt.example.org", RrType::txt);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 1u);
  EXPECT_EQ(got.records[0].value, "v=spf1 -all");
  EXPECT_EQ(got.records[0].txt_strings, (std::vector<std::string>{"v=spf1 ", "-all"}));
}

TEST_F(LdnsResolverTest, TellsNxdomainFromNodata) {
  auto r = make();
  const auto nx = r->query("nope.example.org", RrType::a);
  EXPECT_EQ(nx.status, Status::nxdomain);
  EXPECT_EQ(nx.negative_ttl, kDefaultZoneTtl);
  const auto nodata = r->query("txt.example.org", RrType::a);
  EXPECT_EQ(nodata.status, Status::nodata);
  EXPECT_TRUE(nodata.records.empty());
  // example.org holds MX only; "org" is an empty non-terminal: nodata, not nxdomain.
  EXPECT_EQ(r->query("org", RrType::a).status, Status::nodata);
}

TEST_F(LdnsResolverTest, ReportsServfail) {
  zone_.set_servfail("broken.example.org");
  EXPECT_EQ(make()->query("broken.example.org", RrType::txt).status, Status::servfail);
}

TEST_F(LdnsResolverTest, ServfailForOneTypeOnly) {
  zone_.set_servfail("a.example.org", RrType::aaaa);
  auto r = make();
  EXPECT_EQ(r->query("a.example.org", RrType::aaaa).status, Status::servfail);
  EXPECT_EQ(r->query("a.example.org", RrType::a).status, Status::answer);
}

TEST_F(LdnsResolverTest, TimesOutWithinTimeoutTimesAttempts) {
  zone_.set_timeout("slow.example.org");
  const milliseconds timeout(200);
  const unsigned retries = 2;
  auto r = make(timeout, retries);
  const auto start = std::chrono::steady_clock::now();
  const auto got = r->query("slow.example.org", RrType::a);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(got.status, Status::timeout);
  EXPECT_GE(elapsed, timeout * (retries + 1));
  EXPECT_LT(elapsed, timeout * (retries + 1) + milliseconds(2000)) << "generous slack";
  EXPECT_EQ(r->udp_queries_sent(), retries + 1);
}

TEST_F(LdnsResolverTest, FallsBackToTcpOnTruncation) {
  zone_.add_txt("tc.example.org", {"forced", " truncation"});
  zone_.set_truncated("tc.example.org");
  auto r = make();
  const auto got = r->query("tc.example.org", RrType::txt);
  ASSERT_EQ(got.status, Status::answer);
  EXPECT_EQ(got.records[0].value, "forced truncation");
  EXPECT_EQ(r->tcp_queries_sent(), 1u);
  EXPECT_EQ(server_.tcp_queries(), 1u);
}

TEST_F(LdnsResolverTest, LargeTxtBeyondUdpSizeComesOverTcp) {
  std::vector<std::string> strings;
  for (int i = 0; i < 12; ++i) strings.push_back(std::string(250, static_cast<char>('a' + i)));
  zone_.add_txt("big.example.org", strings);  // ~3 KB: over EDNS 1232, so TC then TCP
  auto r = make();
  const auto got = r->query("big.example.org", RrType::txt);
  ASSERT_EQ(got.status, Status::answer);
  EXPECT_EQ(got.records[0].value.size(), 12u * 250u);
  EXPECT_EQ(got.records[0].txt_strings.size(), 12u);
  EXPECT_EQ(r->tcp_queries_sent(), 1u);
}

TEST_F(LdnsResolverTest, MediumTxtFitsEdnsUdp) {
  zone_.add_txt("medium.example.org",
                {std::string(255, 'x'), std::string(255, 'y'), std::string(200, 'z')});  // > 512, < 1232
  auto r = make();
  const auto got = r->query("medium.example.org", RrType::txt);
  ASSERT_EQ(got.status, Status::answer);
  EXPECT_EQ(got.records[0].value.size(), 710u);
  EXPECT_EQ(r->tcp_queries_sent(), 0u) << "EDNS0 should have carried it over UDP";
}

TEST_F(LdnsResolverTest, FollowsCnameChains) {
  const auto got = make()->query("alias2.example.org", RrType::a);
  ASSERT_EQ(got.status, Status::answer);
  ASSERT_EQ(got.records.size(), 2u);
  EXPECT_EQ(got.records[0].type, RrType::a);
  EXPECT_EQ(got.records[0].owner, "a.example.org");
}

TEST_F(LdnsResolverTest, CnameToMissingNameIsNxdomain) {
  EXPECT_EQ(make()->query("dangling.example.org", RrType::a).status, Status::nxdomain);
}

TEST_F(LdnsResolverTest, CnameQueryReturnsTheCname) {
  const auto got = make()->query("alias.example.org", RrType::cname);
  ASSERT_EQ(got.status, Status::answer);
  EXPECT_EQ(got.records[0].value, "a.example.org");
}

TEST_F(LdnsResolverTest, InvalidNameIsNotSent) {
  auto r = make();
  const auto got = r->query(std::string(64, 'a') + ".example.org", RrType::txt);
  EXPECT_EQ(got.status, Status::nxdomain);
  EXPECT_TRUE(got.is_invalid_name);
  EXPECT_EQ(server_.udp_queries(), 0u);
}

TEST_F(LdnsResolverTest, SecondServerAnswersWhenFirstIsSilent) {
  ZoneResolver silent;
  silent.set_timeout("a.example.org");
  testlib::DnsServer dead{silent};
  ASSERT_TRUE(dead.start().has_value());
  ResolverOptions o;
  o.nameservers = {dead.nameserver(), server_.nameserver()};
  o.timeout = milliseconds(200);
  o.retries = 1;
  auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->query("a.example.org", RrType::a).status, Status::answer);
}

TEST_F(LdnsResolverTest, KeepsOneLoopbackSocketAcrossQueries) {
  const auto r = make();
  EXPECT_EQ(r->idle_sockets(), 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r->query("a.example.org", RrType::a).status, Status::answer);
  EXPECT_EQ(r->idle_sockets(), 1u);  // one socket, reused by each query in turn
  EXPECT_EQ(server_.udp_queries(), 5u);
}

TEST_F(LdnsResolverTest, ClosesTheSocketOfAQueryWithoutReply) {
  zone_.set_timeout("slow.example.org");
  const auto r = make(milliseconds(50), 0);
  EXPECT_EQ(r->query("slow.example.org", RrType::a).status, Status::timeout);
  EXPECT_EQ(r->idle_sockets(), 0u);  // a late reply must never meet the next query
  EXPECT_EQ(r->query("a.example.org", RrType::a).status, Status::answer);
  EXPECT_EQ(r->idle_sockets(), 1u);
}

TEST_F(LdnsResolverTest, ManyThreadsShareOneResolverAndCache) {  // query() and query_many()
  auto r = make();
  CachingResolver cache(*r);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (r->query("example.org", RrType::mx).status != Status::answer) ++wrong;
        if (cache.query("txt.example.org", RrType::txt).records.at(0).value != "v=spf1 -all") ++wrong;
        const auto batch =
            r->query_many(std::vector<Question>{{"a.example.org", RrType::a}, {"example.org", RrType::mx}});
        if (batch.at(0).status != Status::answer || batch.at(1).records.at(0).value != "mx2.example.org") ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(cache.hits(), 1u);
}

class CountingObserver final : public QueryObserver {
 public:
  void on_query(Status status, std::chrono::nanoseconds elapsed) const noexcept override {
    if (status == Status::answer) ++answers;
    if (elapsed.count() < 0 || elapsed > std::chrono::seconds(10)) ++odd_times;
    ++calls;
  }
  mutable std::atomic<int> calls{0};
  mutable std::atomic<int> odd_times{0};
  mutable std::atomic<int> answers{0};
};

TEST_F(LdnsResolverTest, QueryManyAnswersInQuestionOrder) {
  zone_.add_txt("tc.example.org", {"over", " tcp"});
  zone_.set_truncated("tc.example.org");
  auto r = make();
  const CountingObserver obs;
  r->set_observer(&obs);
  const std::string invalid = std::string(64, 'a') + ".example.org";
  const std::vector<Question> qs{{"A.Example.Org.", RrType::a},    {"example.org", RrType::mx},
                                 {"nope.example.org", RrType::a},  {invalid, RrType::a},
                                 {"txt.example.org", RrType::txt}, {"tc.example.org", RrType::txt},
                                 {"alias2.example.org", RrType::a}};
  const auto got = r->query_many(qs);
  r->set_observer(nullptr);
  ASSERT_EQ(got.size(), qs.size());
  EXPECT_EQ(got[0].status, Status::answer);
  EXPECT_EQ(got[0].records.at(1).value, "192.0.2.2");
  EXPECT_EQ(got[1].records.at(0).value, "mx2.example.org");
  EXPECT_EQ(got[2].status, Status::nxdomain);
  EXPECT_TRUE(got[3].is_invalid_name);
  EXPECT_EQ(got[4].records.at(0).value, "v=spf1 -all");
  EXPECT_EQ(got[5].records.at(0).value, "over tcp");  // TC in a batch: TCP for that one
  EXPECT_EQ(got[6].records.at(0).owner, "a.example.org");
  EXPECT_EQ(r->tcp_queries_sent(), 1u);
  EXPECT_EQ(r->udp_queries_sent(), 6u);  // the invalid name is never sent
  EXPECT_EQ(obs.calls.load(), 7);        // one observer call per question, as query() makes
  EXPECT_EQ(obs.answers.load(), 5);
  EXPECT_EQ(obs.odd_times.load(), 0);  // the invalid name's too: 0, not "before the batch"
}

TEST_F(LdnsResolverTest, QueryManyHasEveryQuestionInFlightTogether) {
  auto r = make();
  const std::vector<Question> qs{{"a.example.org", RrType::a},
                                 {"a.example.org", RrType::aaaa},
                                 {"example.org", RrType::mx},
                                 {"txt.example.org", RrType::txt}};
  for (const auto& a : r->query_many(qs)) EXPECT_EQ(a.status, Status::answer);
  EXPECT_EQ(r->idle_sockets(), 1u);  // one socket (loopback) carried all four, kept
  for (const auto& a : r->query_many(qs)) EXPECT_EQ(a.status, Status::answer);
  EXPECT_EQ(r->idle_sockets(), 1u);  // the kept one reused: none more
  EXPECT_EQ(server_.udp_queries(), 8u);
}

// The same question twice in a batch on the shared socket: each gets an answer.
TEST_F(LdnsResolverTest, QueryManyAsksTheSameQuestionTwice) {
  auto r = make();
  const std::vector<Question> qs{{"a.example.org", RrType::a}, {"A.example.org", RrType::a}};
  for (const auto& a : r->query_many(qs)) EXPECT_EQ(a.records.at(0).value, "192.0.2.1");
  EXPECT_EQ(server_.udp_queries(), 2u);
  EXPECT_EQ(r->idle_sockets(), 1u);
}

// The batch's shared socket meets ICMP port unreachable: every question moves on to its
// next attempt (the next server) at once, as a socket of its own would.
TEST_F(LdnsResolverTest, QueryManyMovesOnWhenTheSharedSocketIsRefused) {
  Fd probe(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(probe.get(), reinterpret_cast<const sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(probe.get(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string closed = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  probe.reset();  // nothing listens there now
  ResolverOptions o;
  o.nameservers = {closed, server_.nameserver()};
  o.timeout = milliseconds(5000);
  auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value());
  const std::vector<Question> qs{
      {"a.example.org", RrType::a}, {"example.org", RrType::mx}, {"txt.example.org", RrType::txt}};
  const auto start = std::chrono::steady_clock::now();
  const auto got = (*r)->query_many(qs);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2500)) << "waited for a timeout";
  EXPECT_EQ(got[0].records.at(0).value, "192.0.2.1");
  EXPECT_EQ(got[1].records.at(0).value, "mx2.example.org");
  EXPECT_EQ(got[2].records.at(0).value, "v=spf1 -all");
  EXPECT_EQ(server_.udp_queries(), 3u);
}

TEST_F(LdnsResolverTest, QueryManyBeyondTheInFlightBoundAnswersEveryQuestion) {
  std::vector<std::string> names;
  for (int i = 0; i < 75; ++i) {
    names.push_back("h" + std::to_string(i) + ".example.org");
    zone_.add(names.back(), RrType::a, "192.0.2." + std::to_string(i + 1));
  }
  std::vector<Question> qs;
  for (const auto& n : names) qs.push_back({n, RrType::a});
  auto r = make();
  const auto got = r->query_many(qs);
  ASSERT_EQ(got.size(), names.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(got[i].records.at(0).value, "192.0.2." + std::to_string(i + 1));
  EXPECT_EQ(server_.udp_queries(), names.size());
  EXPECT_LE(r->idle_sockets(), 32u);  // never more than 32 in flight, so never more opened
}

// Up to 8 questions are asked from flights on the stack, more from a vector: the same
// answers, in order, at the boundary and past it.
TEST_F(LdnsResolverTest, QueryManyAtAndPastTheSmallBatch) {
  for (int i = 0; i < 9; ++i)
    zone_.add("s" + std::to_string(i) + ".example.org", RrType::a, "192.0.2." + std::to_string(i + 1));
  auto r = make();
  for (const std::size_t count : {8u, 9u}) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < count; ++i) names.push_back("S" + std::to_string(i) + ".Example.org.");
    std::vector<Question> qs;
    for (const auto& n : names) qs.push_back({n, RrType::a});
    const auto got = r->query_many(qs);
    ASSERT_EQ(got.size(), count);
    for (std::size_t i = 0; i < count; ++i) {
      EXPECT_EQ(got[i].records.at(0).value, "192.0.2." + std::to_string(i + 1)) << count;
      EXPECT_EQ(got[i].records.at(0).owner, "s" + std::to_string(i) + ".example.org") << count;
    }
  }
}

TEST_F(LdnsResolverTest, QueryManyFailuresStayWithTheirQuestion) {
  zone_.set_timeout("slow.example.org");
  zone_.set_timeout("slow2.example.org");
  zone_.set_servfail("broken.example.org");
  const milliseconds timeout(300);
  auto r = make(timeout, 1);
  const std::vector<Question> qs{{"slow.example.org", RrType::a},
                                 {"a.example.org", RrType::a},
                                 {"broken.example.org", RrType::txt},
                                 {"slow2.example.org", RrType::txt},
                                 {"nope.example.org", RrType::mx}};
  const auto start = std::chrono::steady_clock::now();
  const auto got = r->query_many(qs);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(got.size(), qs.size());
  EXPECT_EQ(got[0].status, Status::timeout);
  EXPECT_EQ(got[1].status, Status::answer);
  EXPECT_EQ(got[2].status, Status::servfail);
  EXPECT_EQ(got[3].status, Status::timeout);
  EXPECT_EQ(got[4].status, Status::nxdomain);
  // Both silent names get their 2 attempts side by side: 2 timeouts, not 4.
  EXPECT_GE(elapsed, timeout * 2);
  EXPECT_LT(elapsed, timeout * 4) << "the two timeouts ran one after the other";
  // 2 attempts each for the silent names; one server, so SERVFAIL is final at once.
  EXPECT_EQ(r->udp_queries_sent(), 2u + 1u + 1u + 2u + 1u);
  // The first attempts shared one socket; two went unanswered, so it was closed (a late
  // reply must never meet a query), as were the sockets of the silent names' second ones.
  EXPECT_EQ(r->idle_sockets(), 0u);
}

TEST_F(LdnsResolverTest, QueryManyIgnoresRepliesWithAnotherId) {
  server_.set_stray_replies(true);
  auto r = make();
  const std::vector<Question> qs{
      {"a.example.org", RrType::a}, {"example.org", RrType::mx}, {"txt.example.org", RrType::txt}};
  const auto got = r->query_many(qs);
  EXPECT_EQ(got[0].records.at(0).value, "192.0.2.1");
  EXPECT_EQ(got[1].records.at(0).value, "mx2.example.org");
  EXPECT_EQ(got[2].records.at(0).value, "v=spf1 -all");
  EXPECT_EQ(r->query("a.example.org", RrType::a).status, Status::answer);
  EXPECT_EQ(server_.udp_queries(), 4u);  // no attempt wasted on the strays
}

TEST_F(LdnsResolverTest, CacheSendsOnlyItsMissesInOneBatch) {
  auto r = make();
  CachingResolver cache(*r);
  EXPECT_EQ(cache.query("a.example.org", RrType::a).status, Status::answer);
  const std::vector<Question> qs{{"a.example.org", RrType::a},
                                 {"example.org", RrType::mx},
                                 {"txt.example.org", RrType::txt},
                                 {"EXAMPLE.org.", RrType::mx}};
  const auto got = cache.query_many(qs);
  EXPECT_EQ(got[0].records.at(0).value, "192.0.2.1");
  EXPECT_EQ(got[1].records.at(0).value, "mx2.example.org");
  EXPECT_EQ(got[3].records.at(0).value, "mx2.example.org");
  EXPECT_EQ(server_.udp_queries(), 3u);  // 1 + the two distinct misses
  EXPECT_EQ(cache.hits(), 1u);
}

TEST(DnsServerTest, DelayedRepliesDoNotQueue) {
  ZoneResolver zone;
  for (int i = 0; i < 4; ++i) zone.add("h" + std::to_string(i) + ".test", RrType::a, "192.0.2.9");
  testlib::DnsServer s{zone};
  ASSERT_TRUE(s.start().has_value());
  s.set_delay(milliseconds(100));
  ResolverOptions o;
  o.nameservers = {s.nameserver()};
  o.timeout = milliseconds(2000);
  auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value());
  const std::vector<std::string> names{"h0.test", "h1.test", "h2.test", "h3.test"};
  std::vector<Question> qs;
  for (const auto& n : names) qs.push_back({n, RrType::a});
  const auto start = std::chrono::steady_clock::now();
  for (const auto& a : (*r)->query_many(qs)) EXPECT_EQ(a.status, Status::answer);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(100));
  EXPECT_LT(elapsed, milliseconds(400)) << "replies were sent one delay after another";
}

TEST(DnsServerTest, StartsAndStopsRepeatedly) {
  ZoneResolver zone;
  zone.add("x.test", RrType::a, "192.0.2.9");
  for (int i = 0; i < 5; ++i) {
    testlib::DnsServer s{zone};
    ASSERT_TRUE(s.start().has_value());
    EXPECT_NE(s.port(), 0);
    s.stop();
  }
}

TEST(DnsServerTest, ServesOverIpv6Loopback) {
  ZoneResolver zone;
  zone.add("x.test", RrType::a, "192.0.2.9");
  testlib::DnsServer s{zone};
  if (!s.start("::1").has_value()) GTEST_SKIP() << "no IPv6 loopback here";
  ResolverOptions o;
  o.nameservers = {s.nameserver()};
  o.timeout = milliseconds(2000);
  auto r = LdnsResolver::create(o);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ((*r)->query("x.test", RrType::a).status, Status::answer);
}

}  // namespace
}  // namespace cachet::dns
