// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/resolver_cost.cpp: cachet-bench-resolver, the CPU one DNS query costs our
// resolver (issue 18: a cold SPF request is a handful of them). The test DNS server
// (tests/lib/dns_server.hpp, loopback UDP, its own thread) serves N names of each type;
// the querying thread's CPU clock (user + kernel: the socket calls are part of the cost)
// is read around N queries of names nobody asked before, through LdnsResolver alone and
// through a CachingResolver in front of it (a miss), then the same names again (a hit);
// through query_many() in batches of 5 (batch5_us: per query, all 5 in flight together),
// and around N decodes of one captured reply (decode_reply alone, no I/O). Each figure is
// the least of 3 passes (the names are asked again; a fresh cache per pass for misses).
// cache_full_us: the cache alone, full (default max_entries): 40,000 fresh names in
// batches of 3 (a DMARC message's lookups) through a CachingResolver over a backend that
// answers at once, per question: key, lookup, store and the eviction of the oldest.
//   cachet-bench-resolver [-n N] [--type txt|a|mx]
// Prints one line per figure, e.g.
//   resolver type=txt n=2000 query_us=21.3 batch5_us=12.0 cached_miss_us=23.0 cached_hit_us=1.1 decode_us=0.9
//   build_us=0.1 cache_full_us=0.3
// Exit 1 when an answer is not what the zone holds. No timing assertions: figures for the
// reader; the server's CPU is not counted (another thread), nor its heap trimming.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/dns/reply.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/bench/load_common.hpp"
#include "tests/lib/dns_server.hpp"

namespace {

using namespace cachet;
using bench::thread_cpu_us;

constexpr const char* kUsage = "usage: cachet-bench-resolver [-n N] [--type txt|a|mx]\n";
constexpr int kRepeats = 3;

std::string name_of(std::size_t i) { return "q" + std::to_string(i) + ".cold.bench.example"; }

// Per-query thread CPU (us) of `names.size()` queries; counts answers that are not `answer`.
double per_query(dns::Resolver& r, const std::vector<std::string>& names, dns::RrType type, std::size_t& bad) {
  const double t0 = thread_cpu_us();
  for (const auto& n : names) {
    const dns::Answer a = r.query(n, type);
    if (a.status != dns::Status::answer || a.records.empty()) ++bad;
  }
  return (thread_cpu_us() - t0) / static_cast<double>(names.size());
}

// The same through query_many(), kBatch names at a time (all in flight together).
constexpr std::size_t kBatch = 5;
double per_query_batched(dns::Resolver& r, const std::vector<std::string>& names, dns::RrType type, std::size_t& bad) {
  const double t0 = thread_cpu_us();
  std::vector<dns::Question> qs;
  for (std::size_t i = 0; i < names.size(); i += kBatch) {
    qs.clear();
    for (std::size_t j = i; j < std::min(names.size(), i + kBatch); ++j) qs.push_back({names[j], type});
    for (const dns::Answer& a : r.query_many(qs))
      if (a.status != dns::Status::answer || a.records.empty()) ++bad;
  }
  return (thread_cpu_us() - t0) / static_cast<double>(names.size());
}

// Answers every question at once with one TXT record, as the test zone would: no I/O.
class InstantBackend final : public dns::Resolver {
 public:
  dns::Answer query(std::string_view name, dns::RrType type) override {
    dns::Answer a;
    a.status = dns::Status::answer;
    a.records.push_back(dns::Record{type,
                                    std::string(name),
                                    300,
                                    "v=spf1 a mx include:inc.bench.example -all",
                                    0,
                                    {"v=spf1 a mx include:inc.bench.example -all"}});
    return a;
  }
};

// Per question (us): fresh names in batches of 3 through a full cache of default size.
double cache_full(std::size_t& bad) {
  constexpr std::size_t kNames = 40000;
  std::vector<std::string> names;
  names.reserve(kNames);
  for (std::size_t i = 0; i < kNames; ++i) names.push_back("f" + std::to_string(i) + ".full.bench.example");
  InstantBackend backend;
  dns::CachingResolver cache(backend, dns::CacheOptions{});
  std::vector<dns::Question> qs;
  auto run = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i + 3 <= to; i += 3) {
      qs = {{names[i], dns::RrType::txt}, {names[i + 1], dns::RrType::txt}, {names[i + 2], dns::RrType::txt}};
      for (const dns::Answer& a : cache.query_many(qs))
        if (a.status != dns::Status::answer) ++bad;
    }
  };
  run(0, kNames / 2);  // fills it: every store from here on evicts
  const double t0 = thread_cpu_us();
  run(kNames / 2, kNames);
  return (thread_cpu_us() - t0) / static_cast<double>(kNames / 2 / 3 * 3);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args(argc, argv, {"help"});
  if (args.has("help")) bench::die_usage("", kUsage);
  args.require_known({"n", "type", "help"});
  const auto n = static_cast<std::size_t>(std::max(1L, args.num("n", 2000)));
  const std::string type_name = args.str("type", "txt");
  dns::RrType type = dns::RrType::txt;
  if (type_name == "a")
    type = dns::RrType::a;
  else if (type_name == "mx")
    type = dns::RrType::mx;
  else if (type_name != "txt")
    bench::die_usage("--type: txt, a or mx", kUsage);

  // The test server's thread (ldns) made glibc trim its arena with madvise(2) after most
  // replies, and each trim's TLB flush reached the querying thread: ~1 us more per query
  // that no resolver change had caused (strace -f -k). A real server is another process.
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  dns::ZoneResolver zone;
  std::vector<std::string> names;
  names.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back(name_of(i));
    if (type == dns::RrType::txt) zone.add_txt(names.back(), {"v=spf1 a mx include:inc.bench.example -all"});
    if (type == dns::RrType::a) zone.add(names.back(), dns::RrType::a, "203.0.113.7");
    if (type == dns::RrType::mx) zone.add_mx(names.back(), 10, "mx.bench.example");
  }
  const bench::LoopbackDns net = bench::start_loopback_dns(zone);
  dns::LdnsResolver& ldns = *net.resolver;
  const std::uint16_t edns_udp_size = dns::ResolverOptions{}.edns_udp_size;
  std::size_t bad = 0;
  (void)per_query(ldns, {names.front()}, type, bad);  // first socket, first page faults
  // Each figure: the least of kRepeats passes (another process's burst inflates one).
  double query_us = 1e9, batch_us = 1e9, miss_us = 1e9, hit_us = 1e9;
  for (int i = 0; i < kRepeats; ++i) {
    query_us = std::min(query_us, per_query(ldns, names, type, bad));
    batch_us = std::min(batch_us, per_query_batched(ldns, names, type, bad));
    dns::CachingResolver cache(ldns, dns::CacheOptions{});  // empty: every name a miss
    miss_us = std::min(miss_us, per_query(cache, names, type, bad));
    hit_us = std::min(hit_us, per_query(cache, names, type, bad));
  }

  // decode_reply and build_query alone, on one name's query and reply.
  auto query = dns::build_query(names.front(), type, 0x1234, edns_udp_size);
  if (!query) return 1;
  const std::vector<std::uint8_t> reply = net.server->respond(*query, true);
  double decode_us = 1e9, build_us = 1e9;
  for (int r = 0; r < kRepeats; ++r) {
    double t0 = thread_cpu_us();
    for (std::size_t i = 0; i < n; ++i) {
      const auto d = dns::decode_reply(reply, 0x1234, names.front(), type);
      if (d.answer.status != dns::Status::answer) ++bad;
    }
    decode_us = std::min(decode_us, (thread_cpu_us() - t0) / static_cast<double>(n));
    t0 = thread_cpu_us();
    for (std::size_t i = 0; i < n; ++i)
      if (!dns::build_query(names[i], type, static_cast<std::uint16_t>(i), edns_udp_size)) ++bad;
    build_us = std::min(build_us, (thread_cpu_us() - t0) / static_cast<double>(n));
  }

  double full_us = 1e9;
  for (int r = 0; r < kRepeats; ++r) full_us = std::min(full_us, cache_full(bad));

  std::printf(
      "resolver type=%s n=%zu query_us=%.2f batch5_us=%.2f cached_miss_us=%.2f cached_hit_us=%.2f decode_us=%.2f "
      "build_us=%.2f cache_full_us=%.2f\n",
      type_name.c_str(), n, query_us, batch_us, miss_us, hit_us, decode_us, build_us, full_us);
  if (bad != 0) {
    std::fprintf(stderr, "*** %zu answers were not what the zone holds ***\n", bad);
    return 1;
  }
  return 0;
}
