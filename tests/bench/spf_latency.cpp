// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/spf_latency.cpp: cachet-bench-spf-latency, the wall time of a cold SPF
// request when every DNS round trip costs a fixed delay (issue 18's latency goal: p99 no
// worse than the round trips of the longest dependency chain). The test DNS server
// (tests/lib/dns_server.hpp, loopback UDP) answers each query after --delay-ms, without
// serialising the answers; each request checks a sender domain nobody asked before, whose
// record has the shape of the bench's cold rows:
//   d<i>.cold.bench.example  TXT "v=spf1 a mx include:inc<i>.bench.example -all", A, MX
//   mx<i>.bench.example      A        inc<i>.bench.example  TXT "v=spf1 ip4:198.51.100.0/24 -all"
// from client 198.51.100.7 (a pass found in the include, so every lookup is needed).
// Two modes, the same SpfEngine over CachingResolver over LdnsResolver:
//   sequential  a cache below kMinCacheForPrefetch: libspf2 asks one name after another
//               (TXT, A, MX, A of the MX host, TXT of the include: 5 round trips)
//   prefetch    the daemon's cache size: the DNS layer fetches ahead (common/spf/prefetch.hpp):
//               TXT, then {A, MX, TXT inc}, then the A of the MX host: 3 round trips
// A round trip is counted as one call reaching LdnsResolver (query, or query_many: one
// batch in flight together). Prints one line per mode:
//   spf-latency mode=prefetch delay_ms=5 n=200 p50_ms=15.4 p99_ms=16.1 round_trips=3.00
//     chain_ms=15.0 cpu_us=180.2
// chain_ms = round trips x delay: what the latency goal allows; cpu_us = the requesting
// thread's CPU per request (user + kernel). Exit 1 when a verdict is not pass.
//   cachet-bench-spf-latency [-n 200] [--delay-ms 5] [--mode both|sequential|prefetch]
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/dns/caching_resolver.hpp"
#include "common/dns/ldns_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "common/spf/engine.hpp"
#include "common/spf/prefetch.hpp"
#include "tests/bench/load_common.hpp"

namespace {

using namespace cachet;
using bench::thread_cpu_us;

constexpr const char* kUsage =
    "usage: cachet-bench-spf-latency [-n N] [--delay-ms MS] [--mode both|sequential|prefetch]\n";

// Counts the calls that reach the network resolver: each is one round trip.
class RoundTrips final : public dns::Resolver {
 public:
  explicit RoundTrips(dns::Resolver& inner) : inner_(inner) {}
  dns::Answer query(std::string_view name, dns::RrType type) override {
    ++trips;
    return inner_.query(name, type);
  }
  std::vector<dns::Answer> query_many(std::span<const dns::Question> qs) override {
    ++trips;
    return inner_.query_many(qs);
  }
  std::atomic<long> trips{0};

 private:
  dns::Resolver& inner_;
};

struct Latency {
  double p50_ms = 0, p99_ms = 0, round_trips = 0, cpu_us = 0;
  long not_pass = 0;
};

Latency run(dns::Resolver& ldns, std::size_t first, std::size_t n, bool with_prefetch) {
  RoundTrips counted(ldns);
  dns::CacheOptions co;  // cachet-spf's default size, or one too small for the prefetch
  if (!with_prefetch) co.max_entries = spf::kMinCacheForPrefetch - 1;
  dns::CachingResolver cache(counted, co);
  spf::SpfEngine engine(cache, {});
  std::vector<double> ms;
  Latency f;
  const double cpu0 = thread_cpu_us();
  for (std::size_t i = first; i < first + n; ++i) {
    const std::string sender = "u@d" + std::to_string(i) + ".cold.bench.example";
    const auto t0 = std::chrono::steady_clock::now();
    const spf::SpfResult r = engine.check_mailfrom("198.51.100.7", sender, "helo.bench.example");
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (r.verdict != spf::Verdict::pass) ++f.not_pass;
  }
  f.cpu_us = (thread_cpu_us() - cpu0) / static_cast<double>(n);
  f.p50_ms = bench::percentile(ms, 50);
  f.p99_ms = bench::percentile(ms, 99);
  f.round_trips = static_cast<double>(counted.trips.load()) / static_cast<double>(n);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Args args(argc, argv, {"help"});
  if (args.has("help")) bench::die_usage("", kUsage);
  args.require_known({"n", "delay-ms", "mode", "help"});
  const auto n = static_cast<std::size_t>(std::max(1L, args.num("n", 200)));
  const long delay_ms = std::max(0L, args.num("delay-ms", 5));
  const std::string mode = args.str("mode", "both");
  if (mode != "both" && mode != "sequential" && mode != "prefetch")
    bench::die_usage("--mode: both, sequential or prefetch", kUsage);

  dns::ZoneResolver zone;
  const std::size_t total = 2 * n;  // fresh names for both modes
  for (std::size_t i = 0; i < total; ++i) {
    const std::string k = std::to_string(i);
    const std::string d = "d" + k + ".cold.bench.example";
    zone.add_txt(d, {"v=spf1 a mx include:inc" + k + ".bench.example -all"});
    zone.add(d, dns::RrType::a, "203.0.113.210");
    zone.add_mx(d, 10, "mx" + k + ".bench.example");
    zone.add("mx" + k + ".bench.example", dns::RrType::a, "203.0.113.211");
    zone.add_txt("inc" + k + ".bench.example", {"v=spf1 ip4:198.51.100.0/24 -all"});
  }
  const bench::LoopbackDns net = bench::start_loopback_dns(zone);
  net.server->set_delay(std::chrono::milliseconds(delay_ms));
  long not_pass = 0;
  std::size_t first = 0;
  for (const bool with_prefetch : {false, true}) {
    if (mode != "both" && (mode == "prefetch") != with_prefetch) continue;
    const Latency f = run(*net.resolver, first, n, with_prefetch);
    first += n;
    not_pass += f.not_pass;
    std::printf(
        "spf-latency mode=%s delay_ms=%ld n=%zu p50_ms=%.2f p99_ms=%.2f round_trips=%.2f chain_ms=%.1f "
        "cpu_us=%.1f\n",
        with_prefetch ? "prefetch" : "sequential", delay_ms, n, f.p50_ms, f.p99_ms, f.round_trips,
        f.round_trips * static_cast<double>(delay_ms), f.cpu_us);
  }
  if (not_pass != 0) {
    std::fprintf(stderr, "*** %ld requests did not pass ***\n", not_pass);
    return 1;
  }
  return 0;
}
