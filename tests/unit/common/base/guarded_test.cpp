// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/guarded_test.cpp: Guarded (locked-handle access).
#include "common/base/guarded.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <string>
#include <thread>
#include <vector>

namespace {

using cachet::Guarded;

TEST(Guarded, HandleAndWithReachTheValue) {
  Guarded<std::vector<int>> g(2, 7);
  g.lock()->push_back(9);
  EXPECT_EQ(g.with([](const std::vector<int>& v) { return v.size(); }), 3u);
  const Guarded<std::vector<int>>& cg = g;
  EXPECT_EQ(cg.lock()->back(), 9);
  {
    auto h = g.lock();
    (*h)[0] = 1;
  }
  EXPECT_EQ(g.lock()->front(), 1);
}

TEST(Guarded, ConcurrentIncrementsAreNotLost) {
  Guarded<long> n(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) ++*n.lock();
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(*n.lock(), 4000);
}

TEST(Guarded, WaitReleasesTheLockUntilThePredicateHolds) {
  Guarded<std::string> box;
  std::condition_variable cv;
  std::thread producer([&] {
    box.lock()->assign("ready");
    cv.notify_all();
  });
  auto h = box.lock();
  h.wait(cv, [](const std::string& s) { return !s.empty(); });
  EXPECT_EQ(*h, "ready");
  producer.join();
}

}  // namespace
