// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/base/random_test.cpp: random_fill fills every byte asked for (beyond
// getrandom's 256-byte single-call size too, and across the per-thread pool's refills) and
// nothing past them; two draws differ; a forked child does not repeat its parent's draws.
#include "common/base/random.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

TEST(Random, SmallDrawsAcrossPoolRefillsAreFilledAndDiffer) {
  std::array<std::array<unsigned char, 24>, 40> draws{};  // 960 bytes: several refills of 256
  for (auto& d : draws) {
    d.fill(0);
    cachet::random_fill(d.data(), d.size());
  }
  for (std::size_t i = 0; i < draws.size(); ++i) {
    const std::array<unsigned char, 24> zero{};
    EXPECT_NE(draws[i], zero) << i;  // all zero: probability 2^-192
    for (std::size_t j = i + 1; j < draws.size(); ++j) EXPECT_NE(draws[i], draws[j]) << i << " " << j;
  }
}

// The pool is per thread and filled before the fork: without the refill the child would
// hand out the very bytes the parent hands out next.
TEST(Random, ForkedChildDoesNotRepeatTheParentsDraws) {
  (void)cachet::random_u32();  // the parent's pool is filled
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::array<unsigned char, 16> child{};
    cachet::random_fill(child.data(), child.size());
    _exit(::write(pipe_fds[1], child.data(), child.size()) == 16 ? 0 : 1);
  }
  std::array<unsigned char, 16> parent{}, child{};
  cachet::random_fill(parent.data(), parent.size());
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_EQ(::read(pipe_fds[0], child.data(), child.size()), 16);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  EXPECT_NE(parent, child);
}

}  // namespace
