// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/observability_cost.cpp: cachet-bench-observe, what cachet-dkim's observability
// costs per signed message next to the signing itself, side by side in one process:
//   off: sign the message (dkim::sign_message), nothing else
//   on:  the same signing, plus what the milter does for observability: the dkim.decision
//        line built from the signing facts (sign_fields, LogWhy's verbose form) rendered as
//        LogFormat json and written with write(2) to /dev/null (a real system call, as the
//        stderr/syslog backends make), and the message counted in every Prometheus series
//        (DkimCounters, with a MetricsDomains list so the per-domain series count too).
// Both columns alternate in blocks on the process CPU clock, one thread, so a busy machine
// slows both alike. For instruction counts independent of load, run it under callgrind
// (tests/bench/observe_cost.sh does: --phase off|on runs only that column, and
// --toggle-collect='*Bench::sign*' or '*Bench::observe*' counts only that part).
//   cachet-bench-observe [--alg rsa|ed25519] [--message FILE] [-n MESSAGES] [--blocks B]
//                        [--phase both|off|on]
// Prints one line:
//   observe alg=rsa-sha256 sign_us=540.1 on_us=545.0 on_minus_off=0.91% observe_us=3.10 overhead=0.57%
//           observe_cpu_us=2.10 cpu_overhead=0.39% n=300
// sign_us: CPU per message, off; on_us: the same, on; observe_us: the observability part
// alone, timed inside the on blocks (wall clock: preemption on a loaded machine inflates
// it); observe_cpu_us: that part alone in a tight loop on the CPU clock; overheads are
// relative to sign_us.
// No timing assertions (STYLE.md s12); the goal is under 3% of a signing's CPU.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "common/crypto/crypto.hpp"
#include "common/dkim/sign.hpp"
#include "common/dkim/why.hpp"
#include "common/log/logger.hpp"
#include "common/metrics/domain_label.hpp"
#include "common/metrics/metrics.hpp"
#include "milters/dkim/counters.hpp"
#include "tests/bench/cpu_cost.hpp"
#include "tests/unit/common/dkim/sign_facts_for_test.hpp"

namespace {

using namespace cachet;
using bench::cpu_seconds;
using bench::default_message;
using bench::read_message;

// A logger that writes each line to an fd (here /dev/null), one write(2) per line.
class FdLogger final : public log::Logger {
 public:
  explicit FdLogger(int fd) : fd_(fd) {}
  void write(log::Level, std::string_view line) override {
    std::string out(line);
    out.push_back('\n');
    if (::write(fd_, out.data(), out.size()) < 0) ++failures_;
  }
  int failures_ = 0;

 private:
  int fd_;
};

// One signed message, and what observability adds to it.
struct Bench {
  const std::string& msg;
  const dkim::SignParams& params;
  log::Logger& logger;
  const dkimd::DkimCounters& counters;
  const std::vector<std::string>& listed;
  const dkim::SignFacts& facts;

  [[gnu::noinline]] void sign() const {
    if (!dkim::sign_message(msg, params)) {
      std::cerr << "signing failed\n";
      std::exit(1);
    }
  }
  [[gnu::noinline]] void observe(long i) const {
    log::Event(logger, log::Level::info, "dkim.decision")
        .kv("qid", "4XyZ12" + std::to_string(i))
        .fields(dkim::sign_fields(facts, true));
    counters.count(facts, nullptr, listed);
  }
};

// n messages signed, each observed when `on`.
void run_phase(const Bench& b, bool on, long n) {
  for (long i = 0; i < n; ++i) {
    b.sign();
    if (on) b.observe(i);
  }
}

struct Options {
  std::string alg = "rsa", message, phase = "both";
  long n = 300, blocks = 10;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--alg")
      o.alg = v;
    else if (a == "--message")
      o.message = v;
    else if (a == "-n")
      o.n = std::stol(v);
    else if (a == "--blocks")
      o.blocks = std::stol(v);
    else if (a == "--phase")
      o.phase = v;
    else {
      std::cerr << "usage: cachet-bench-observe [--alg rsa|ed25519] [--message FILE] [-n N] [--blocks B] "
                   "[--phase both|off|on]\n";
      return 64;
    }
  }
  const bool rsa = o.alg == "rsa";
  if (!rsa && o.alg != "ed25519") return 64;
  const std::string msg = o.message.empty() ? default_message() : read_message(o.message);
  auto key = rsa ? crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048)
                 : crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  if (!key) {
    std::cerr << "key generation failed\n";
    return 1;
  }
  dkim::SignParams p;
  p.domain = "bench.example";
  p.selector = "sel";
  p.key = &*key;
  p.algorithm = rsa ? dkim::Algorithm::rsa_sha256 : dkim::Algorithm::ed25519_sha256;
  p.header_canon = dkim::Canon::relaxed;
  p.timestamp = 1700000000;
  const std::string algorithm = rsa ? "rsa-sha256" : "ed25519-sha256";

  const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_fd < 0) return 1;
  FdLogger logger(null_fd);
  logger.set_format(log::Format::json);
  metrics::Registry registry;
  const dkimd::DkimCounters counters(registry);
  const std::vector<std::string> listed = *metrics::parse_metrics_domains({"example.com", "other.example"});
  // What cachet-dkim logs for an authenticated client's signed message (LogWhy).
  dkim::SignFacts facts = dkim::signed_alice_for_test();
  facts.signatures.front().algorithm = algorithm;

  const Bench bench{msg, p, logger, counters, listed, facts};
  if (o.phase == "off" || o.phase == "on") {
    // callgrind: --toggle-collect='*Bench::sign*' / '*Bench::observe*' count one part exactly
    run_phase(bench, o.phase == "on", o.n);
    std::printf("observe phase=%s alg=%s n=%ld\n", o.phase.c_str(), algorithm.c_str(), o.n);
    return logger.failures_ == 0 ? 0 : 1;
  }
  // Side by side: off and on alternate block by block. Inside the on blocks the observability
  // part is also timed on its own (steady clock, vDSO: the slices are a few microseconds),
  // since the on-off difference is small next to the signing's own spread.
  double off_s = 0, on_s = 0, slices_s = 0;
  const long per_block = o.n / o.blocks > 0 ? o.n / o.blocks : 1;
  long done = 0;
  auto off_block = [&] {
    const double t0 = cpu_seconds();
    run_phase(bench, false, per_block);
    off_s += cpu_seconds() - t0;
  };
  auto on_block = [&] {
    const double t0 = cpu_seconds();
    for (long i = 0; i < per_block; ++i) {
      bench.sign();
      const auto s0 = std::chrono::steady_clock::now();
      bench.observe(i);
      slices_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    }
    on_s += cpu_seconds() - t0;
  };
  for (long b = 0; b < o.blocks; ++b) {  // off first in even blocks, on first in odd ones
    if (b % 2 == 0) {
      off_block();
      on_block();
    } else {
      on_block();
      off_block();
    }
    done += per_block;
  }
  const double sign_us = off_s * 1e6 / static_cast<double>(done);
  const double on_us = on_s * 1e6 / static_cast<double>(done);
  const double observe_us = slices_s * 1e6 / static_cast<double>(done);
  // The observability part alone in a tight loop, on the CPU clock (the write(2) included;
  // warm caches, so a lower bound where the slices above are an upper one under load).
  const long tight = done * 20;
  const double t0 = cpu_seconds();
  for (long i = 0; i < tight; ++i) bench.observe(i);
  const double tight_us = (cpu_seconds() - t0) * 1e6 / static_cast<double>(tight);
  std::printf(
      "observe alg=%s sign_us=%.1f on_us=%.1f on_minus_off=%.2f%% observe_us=%.2f overhead=%.2f%% "
      "observe_cpu_us=%.2f cpu_overhead=%.2f%% n=%ld\n",
      algorithm.c_str(), sign_us, on_us, 100.0 * (on_us - sign_us) / sign_us, observe_us, 100.0 * observe_us / sign_us,
      tight_us, 100.0 * tight_us / sign_us, done);
  return logger.failures_ == 0 ? 0 : 1;
}
