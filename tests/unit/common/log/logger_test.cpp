// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/log/logger_test.cpp: one line per event, values quoted and escaped.
#include "common/log/logger.hpp"

#include <gtest/gtest.h>

namespace cachet::log {
namespace {

TEST(Event, FormatsKeyValuePairs) {
  CaptureLogger log;
  Event(log, Level::info, "dkim.verify").kv("qid", "4XyZ12").kv("reason", "body hash mismatch").kv("n", 3);
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_EQ(log.lines()[0], "info: dkim.verify qid=4XyZ12 reason=\"body hash mismatch\" n=3");
}

TEST(Event, EscapesControlBytesSoPeersCannotForgeLines) {
  std::string out;
  append_value(out, std::string_view("a\nb\"\0", 5));
  EXPECT_EQ(out, "\"a\\x0ab\\\"\\x00\"");
}

TEST(Event, SkipsLinesAboveTheLevel) {
  CaptureLogger log;
  log.set_max_level(Level::warning);
  Event(log, Level::info, "quiet");
  Event(log, Level::error, "loud");
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_EQ(log.lines()[0], "error: loud");
}

TEST(Episode, FirstFailureAndFirstSuccessAfterItAreReported) {
  Episode e;
  EXPECT_FALSE(e.end());  // success with no failure: nothing to report
  EXPECT_TRUE(e.begin());
  EXPECT_FALSE(e.begin());  // retries of the same episode
  EXPECT_FALSE(e.begin());
  EXPECT_TRUE(e.end());
  EXPECT_FALSE(e.end());
  EXPECT_TRUE(e.begin());  // a new episode
}

}  // namespace
}  // namespace cachet::log
