// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/random_test.cpp: random_fill fills every byte asked for (beyond
// getrandom's 256-byte single-call size too) and nothing past them; two draws differ.
#include "common/base/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>

namespace {

TEST(Random, FillWritesExactlyTheBytesAskedFor) {
  std::array<unsigned char, 1030> buf{};
  buf.back() = 0xAB;
  cachet::random_fill(buf.data(), buf.size() - 1);
  EXPECT_EQ(buf.back(), 0xAB);
  // 1029 random bytes with fewer than 200 distinct values: probability far below 1e-30.
  std::array<bool, 256> seen{};
  for (std::size_t i = 0; i + 1 < buf.size(); ++i) seen[buf[i]] = true;
  EXPECT_GT(std::count(seen.begin(), seen.end(), true), 200);
}

TEST(Random, TwoDrawsDiffer) {
  std::array<unsigned char, 32> a{}, b{};
  cachet::random_fill(a.data(), a.size());
  cachet::random_fill(b.data(), b.size());
  EXPECT_NE(a, b);
  EXPECT_NE(cachet::random_hex64(), cachet::random_hex64());
}

}  // namespace
