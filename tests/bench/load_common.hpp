// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/load_common.hpp: what the load generators (milter_load.cpp, policy_load.cpp)
// share: a tiny command-line reader, a closed-loop driver (C threads pull operation numbers
// from one counter until N are done; each thread keeps its own connection state), server
// CPU and peak-memory sampling from /proc (or from this process's reaped children, for
// spawn mode), percentiles, and the one-line / JSON result printer.
// Benchmark tooling, not product code: errors end the program with a message (exit 2 for
// usage, 1 for a failed run); the figures are printed even when some operations failed,
// with the error count and a loud ERRORS marker.
// Thread-safety: the driver's per-thread results are merged after join(); nothing shared
// is written during a run except the atomic operation counter.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/dns/ldns_resolver.hpp"
#include "common/dns/zone_resolver.hpp"
#include "tests/lib/dns_server.hpp"

namespace cachet::bench {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start);
// The calling thread's CPU time (user + kernel), in microseconds.
double thread_cpu_us();

// --name value / --name=value / --flag options plus trailing positionals (after "--" too).
class Args {
 public:
  // `flags`: names that take no value. Unknown names are kept; check with unknown().
  Args(int argc, char** argv, std::vector<std::string> flags);
  std::optional<std::string> get(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;  // repeated options
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::string str(const std::string& name, const std::string& fallback) const;
  long num(const std::string& name, long fallback) const;  // exits 2 on a non-number
  // Names given that are not in `known` (exits 2 listing them when non-empty).
  void require_known(const std::vector<std::string>& known) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

[[noreturn]] void die_usage(const std::string& message, const char* usage);

// `{fresh}` labels (cold-DNS rows): each next() returns a DNS label no earlier call used.
// Without a state file: "f<pid>-<n>" (unique across processes; for redirect zones that answer
// any name). With one: "k<n>", n continuing from the number the file holds (0 when it does not
// exist), written back by save(): a harness publishes zone data for k0..kN beforehand, and the
// successive generator runs against one daemon never repeat a name. Thread-safe (atomic).
class FreshLabels {
 public:
  explicit FreshLabels(std::string state_file = {});
  std::string next();
  void save() const;  // exits 1 when the state file cannot be written

 private:
  std::string state_file_;
  std::uint64_t start_ = 0;
  std::atomic<std::uint64_t> next_{0};
};
// `text` with every `{fresh}` replaced by `label`.
std::string with_fresh(std::string text, const std::string& label);
inline bool has_fresh(const std::string& text) { return text.find("{fresh}") != std::string::npos; }

// One operation's outcome as a worker thread records it.
struct ThreadResult {
  std::vector<double> latencies_ms;  // successful operations only
  std::size_t errors = 0;
  std::string first_error;
  void error(std::string what) {
    if (errors++ == 0) first_error = std::move(what);
  }
};

// Runs `worker(thread_index, next, total, out)` on `concurrency` threads; the worker takes
// operation numbers with next.fetch_add(1) until >= total.
std::vector<ThreadResult> run_closed_loop(
    int concurrency, std::size_t total,
    const std::function<void(int, std::atomic<std::size_t>&, std::size_t, ThreadResult&)>& worker);

// CPU time (ms) and peak RSS (MiB) of a server. Negative = unknown.
struct ServerSample {
  double cpu_ms = -1;
  double hwm_mib = -1;
};
// PID (all threads, plus reaped children: cutime/cstime) and its live descendants;
// hwm = the largest VmHWM among them.
ServerSample sample_pid(pid_t pid);
// This process's children: the reaped ones (getrusage RUSAGE_CHILDREN) plus those still
// running (/proc): spawn mode.
ServerSample sample_children();

struct Figures {
  std::string label;
  int concurrency = 1;
  std::size_t total = 0, ok = 0, errors = 0;
  std::string first_error;
  double wall_s = 0, per_s = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  double cpu_ms_per_op = -1, cores_busy = -1, peak_rss_mib = -1;
};

// Merges thread results and server samples taken before/after into figures.
Figures summarize(std::string label, int concurrency, std::size_t total, double wall_s,
                  const std::vector<ThreadResult>& results, ServerSample before, ServerSample after);
double percentile(std::vector<double> values, double p);  // p in [0,100]; 0 when empty

// One line ("label c=8 n=... msgs/s=... p50_ms=... ...") or one JSON object per run.
void print_figures(const Figures& f, bool json, const char* unit);

// The test DNS server (tests/lib/dns_server.hpp) over `zone`, started on 127.0.0.1, and an
// LdnsResolver asking only it (timeout 5 s): the resolver benchmarks' setup. Exits 1
// with a message when either cannot be made.
struct LoopbackDns {
  std::unique_ptr<testlib::DnsServer> server;
  std::unique_ptr<dns::LdnsResolver> resolver;
};
LoopbackDns start_loopback_dns(dns::ZoneResolver& zone);

}  // namespace cachet::bench
