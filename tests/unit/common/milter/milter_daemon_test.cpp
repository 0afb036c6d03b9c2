// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/milter_daemon_test.cpp: SharedState (the reload swap). The
// daemon wiring itself runs under libmilter: tests/integration/dkim_milter_test.cpp.
#include "common/milter/milter_daemon.hpp"

#include <gtest/gtest.h>

namespace {

TEST(SharedState, SnapshotSurvivesSwap) {
  cachet::milter::SharedState<int> state;
  EXPECT_EQ(state.load(), nullptr);
  state.store(std::make_shared<const int>(1));
  const auto held = state.load();
  state.store(std::make_shared<const int>(2));
  EXPECT_EQ(*held, 1);  // a message keeps the snapshot it took
  EXPECT_EQ(*state.load(), 2);
}

}  // namespace
