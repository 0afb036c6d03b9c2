// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/swappable_test.cpp: Swappable (the reload swap). The daemons'
// wiring runs under the milter and policy servers: tests/integration.
#include "common/base/swappable.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace {

using cachet::Swappable;

TEST(Swappable, SnapshotSurvivesSwap) {
  Swappable<const int> state;
  EXPECT_EQ(state.load(), nullptr);
  state.store(std::make_shared<const int>(1));
  const auto held = state.load();
  state.store(std::make_shared<const int>(2));
  EXPECT_EQ(*held, 1);  // a message keeps the snapshot it took
  EXPECT_EQ(*state.load(), 2);
}

TEST(Swappable, LastHolderReleasesTheOldValue) {
  Swappable<const int> state(std::make_shared<const int>(1));
  std::weak_ptr<const int> old = state.load();
  auto held = state.load();
  state.store(std::make_shared<const int>(2));
  EXPECT_FALSE(old.expired());
  held.reset();
  EXPECT_TRUE(old.expired());
}

TEST(Swappable, ReadersSeeWholeValuesWhileStoresRun) {
  Swappable<const std::vector<int>> state(std::make_shared<const std::vector<int>>(8, 0));
  std::thread writer([&] {
    for (int i = 1; i <= 200; ++i) state.store(std::make_shared<const std::vector<int>>(8, i));
  });
  for (int i = 0; i < 200; ++i) {
    const auto v = state.load();
    for (int x : *v) EXPECT_EQ(x, v->front());
  }
  writer.join();
  EXPECT_EQ(state.load()->front(), 200);
}

}  // namespace
