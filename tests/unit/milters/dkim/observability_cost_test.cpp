// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/milters/dkim/observability_cost_test.cpp: what cachet-dkim's observability
// adds per message, measured in-process (printed, never asserted: STYLE.md s12): building
// and writing the dkim.decision line (text and json, to a logger that drops the line) and
// counting it in the Prometheus series. Compare with a signing's CPU (tests/bench: ~350 us
// for rsa-sha256 2048, ~65 us for ed25519).
#include <chrono>
#include <iostream>

#include <gtest/gtest.h>

#include "common/log/logger.hpp"
#include "milters/dkim/counters.hpp"
#include "tests/unit/common/dkim/sign_facts_for_test.hpp"

namespace {

using namespace cachet;

class NullLogger final : public log::Logger {
 public:
  void write(log::Level, std::string_view line) override { bytes_ += line.size(); }
  std::size_t bytes_ = 0;
};

double per_message_us(log::Format format, bool verbose, const dkimd::DkimCounters& counters) {
  NullLogger logger;
  logger.set_format(format);
  const dkim::SignFacts f = dkim::signed_alice_for_test();
  constexpr int kRuns = 20000;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRuns; ++i) {
    log::Event(logger, log::Level::info, "dkim.decision").kv("qid", "4XyZ12AbC").fields(dkim::sign_fields(f, verbose));
    counters.count(f, nullptr);
  }
  const auto t1 = std::chrono::steady_clock::now();
  EXPECT_GT(logger.bytes_, 0u);
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / kRuns;
}

TEST(DkimObservability, PerMessageCost) {
  const dkimd::DkimCounters none;
  metrics::Registry registry;
  const dkimd::DkimCounters counted(registry);
  std::cout << "[ measure  ] dkim.decision line + counters per signed message:\n"
            << "  text, no metrics:            " << per_message_us(log::Format::text, false, none) << " us\n"
            << "  text, metrics:               " << per_message_us(log::Format::text, false, counted) << " us\n"
            << "  json + LogWhy, metrics:      " << per_message_us(log::Format::json, true, counted) << " us\n";
}

}  // namespace
