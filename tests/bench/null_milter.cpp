// SPDX-License-Identifier: BSD-2-Clause
//
// tests/bench/null_milter.cpp: cachet-bench-null-milter, the floor under every milter row
// of tests/bench: cachet's milter server (common/milter) with cachet-dmarc's negotiation
// (steps, no-reply flags, macros: DmarcDaemon::milter_spec with SPFSelfValidate on), doing
// nothing but add one header at end of message (as cachet-dmarc adds its
// Authentication-Results). What it costs per message is what cachet-dmarc pays before any
// DNS, policy or history work: accepting the connection, its reads and writes (bench row
// dmarc-milter-floor; tests/bench/README.md has the counts, and libmilter's for comparison).
//
//   cachet-bench-null-milter --socket unix:/path
// Serves until SIGTERM/SIGINT. The header added: "X-Cachet-Bench: floor".
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include "common/config/config.hpp"
#include "common/daemon/signals.hpp"
#include "common/log/logger.hpp"
#include "common/milter/runner.hpp"
#include "milters/dmarc/daemon.hpp"
#include "milters/dmarc/options.hpp"

namespace {

using namespace cachet;

class NullSession final : public milter::Session {
 public:
  milter::Verdict on_eom(milter::Context& ctx) override {
    if (!ctx.insert_header(0, "X-Cachet-Bench", "floor")) return milter::Verdict::tempfail();
    return milter::Verdict::cont();
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::strcmp(argv[1], "--socket") != 0) {
    std::cerr << "usage: cachet-bench-null-milter --socket unix:/path\n";
    return 2;
  }
  daemon::block_daemon_signals();
  const auto cfg = config::parse_config("SPFSelfValidate true\n", "null-milter", dmarcd::kDmarcOptions);
  if (!cfg.ok()) return 1;
  log::StderrLogger logger("cachet-bench-null-milter");
  milter::MilterRunner runner(
      dmarcd::DmarcDaemon::milter_spec(*cfg.config),
      [](const milter::ConnInfo&) { return std::make_unique<NullSession>(); }, logger);
  if (auto ok = runner.open({.socket = argv[2]}); !ok) {
    std::cerr << "cachet-bench-null-milter: " << ok.error().detail << "\n";
    return 1;
  }
  if (auto ok = runner.start(); !ok) return 1;
  daemon::SignalThread signals([](int) {}, [&](int) { runner.stop(); });
  return runner.wait();
}
