// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/dns/hash_index_test.cpp: HashIndex with chosen hashes: colliding
// keys, deletion in the middle of a run and across the end of the slots, growth, and a
// random workload checked against std::map.
#include "common/dns/hash_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace cachet::dns {
namespace {

struct Item {
  std::string key;
  std::size_t hash = 0;
};

Item& add(HashIndex<Item>& index, std::string key, std::size_t hash) {
  return index.insert(std::make_unique<Item>(Item{std::move(key), hash}));
}

TEST(HashIndex, EmptyFindsNothing) {
  const HashIndex<Item> index;
  EXPECT_EQ(index.find(0, ""), nullptr);
  EXPECT_EQ(index.size(), 0u);
}

// Same hash: told apart by the key; each erased one leaves the others findable.
TEST(HashIndex, ManyKeysOfOneHash) {
  HashIndex<Item> index;
  for (int i = 0; i < 40; ++i) add(index, "k" + std::to_string(i), 7);
  EXPECT_EQ(index.size(), 40u);
  EXPECT_EQ(index.find(7, "k40"), nullptr);
  EXPECT_EQ(index.find(8, "k1"), nullptr);  // the key, under another hash
  for (int i = 0; i < 40; i += 2) {
    const Item* it = index.find(7, "k" + std::to_string(i));
    ASSERT_NE(it, nullptr);
    EXPECT_EQ(index.erase(*it)->key, "k" + std::to_string(i));
  }
  EXPECT_EQ(index.size(), 20u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(index.find(7, "k" + std::to_string(i)) != nullptr, i % 2 == 1) << i;
}

// 16 slots (the least): hashes 14 and 15 with a run that wraps to slots 0 and 1.
TEST(HashIndex, EraseShiftsAcrossTheEnd) {
  HashIndex<Item> index;
  add(index, "a", 14);  // slot 14
  add(index, "b", 14);  // 15
  add(index, "c", 15);  // 0 (wrapped)
  add(index, "d", 0);   // 1: its home, 0, is taken
  add(index, "e", 1);   // 2
  index.erase(*index.find(14, "a"));
  for (const auto& [k, h] : {std::pair{"b", 14}, {"c", 15}, {"d", 0}, {"e", 1}})
    EXPECT_NE(index.find(h, k), nullptr) << k;
  index.erase(*index.find(15, "c"));  // d moves back to its home; e stays in its own
  for (const auto& [k, h] : {std::pair{"b", 14}, {"d", 0}, {"e", 1}}) EXPECT_NE(index.find(h, k), nullptr) << k;
  EXPECT_EQ(index.find(15, "c"), nullptr);
  index.erase(*index.find(14, "b"));
  index.erase(*index.find(0, "d"));
  EXPECT_NE(index.find(1, "e"), nullptr);
  EXPECT_EQ(index.size(), 1u);
}

// An entry at its home is never moved in front of it by a deletion before it.
TEST(HashIndex, EraseKeepsEntriesAtHome) {
  HashIndex<Item> index;
  add(index, "a", 3);                // slot 3
  add(index, "b", 3);                // 4
  add(index, "c", 5);                // 5: at home
  add(index, "d", 3);                // 6
  index.erase(*index.find(3, "a"));  // b to 3; c stays; d to 4
  for (const auto& [k, h] : {std::pair{"b", 3}, {"c", 5}, {"d", 3}}) EXPECT_NE(index.find(h, k), nullptr) << k;
  add(index, "e", 4);
  EXPECT_NE(index.find(4, "e"), nullptr);
  EXPECT_NE(index.find(3, "d"), nullptr);
}

TEST(HashIndex, GrowsAndClears) {
  HashIndex<Item> index;
  for (std::size_t i = 0; i < 1000; ++i) add(index, std::to_string(i), i * 0x9e3779b97f4a7c15ULL);
  EXPECT_EQ(index.size(), 1000u);
  for (std::size_t i = 0; i < 1000; ++i) EXPECT_NE(index.find(i * 0x9e3779b97f4a7c15ULL, std::to_string(i)), nullptr);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(0, "0"), nullptr);
  add(index, "x", 1);
  EXPECT_NE(index.find(1, "x"), nullptr);
}

// Inserts and erases with few distinct hashes (long runs, wrap-around) against std::map.
TEST(HashIndex, AgreesWithAMap) {
  HashIndex<Item> index;
  std::map<std::string, std::size_t> model;
  std::mt19937 rng(18);
  for (int step = 0; step < 20000; ++step) {
    const std::string key = std::to_string(rng() % 300);
    const std::size_t hash = (std::hash<std::string>{}(key) % 5) * 7 + 13;  // 5 hashes
    const Item* found = index.find(hash, key);
    ASSERT_EQ(found != nullptr, model.contains(key)) << step;
    if (found != nullptr) {
      EXPECT_EQ(index.erase(*found)->key, key);
      model.erase(key);
    } else {
      add(index, key, hash);
      model[key] = hash;
    }
    ASSERT_EQ(index.size(), model.size());
  }
  for (const auto& [key, hash] : model) EXPECT_NE(index.find(hash, key), nullptr) << key;
}

}  // namespace
}  // namespace cachet::dns
