// SPDX-License-Identifier: BSD-2-Clause
//
// tests/unit/common/dkim/key_cache_test.cpp: the shared public key cache.
#include "common/dkim/key_cache.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cachet::dkim {
namespace {

TEST(PublicKeyCache, ParsesOnceAndBounds) {
  auto a = crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  auto b = crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  const std::string da = *a->public_key_for_dns();
  const std::string db = *b->public_key_for_dns();
  PublicKeyCache cache(1);
  auto first = cache.get(crypto::KeyType::ed25519, da);
  auto again = cache.get(crypto::KeyType::ed25519, da);
  ASSERT_TRUE(first.has_value() && again.has_value());
  EXPECT_EQ(first->get(), again->get());
  EXPECT_FALSE(cache.get(crypto::KeyType::ed25519, "short").has_value());
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_TRUE(cache.get(crypto::KeyType::ed25519, db).has_value());
  EXPECT_EQ(cache.size(), 1u);  // full: emptied, then the new key
  // Same bytes under another key type are another entry (and here invalid).
  EXPECT_FALSE(cache.get(crypto::KeyType::rsa, da).has_value());
}

TEST(PublicKeyCache, IsSafeAcrossThreads) {
  auto k = crypto::PrivateKey::generate(crypto::KeyType::ed25519, 0);
  const std::string der = *k->public_key_for_dns();
  PublicKeyCache cache;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) EXPECT_TRUE(cache.get(crypto::KeyType::ed25519, der).has_value());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace cachet::dkim
