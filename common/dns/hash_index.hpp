// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/hash_index.hpp: the table of CachingResolver: owned entries found by (hash,
// key). Open addressing with linear probing over {hash, entry} slots, at most half full,
// deletion by backward shift (no tombstones). Why not std::unordered_map: in a full cache
// every lookup of a fresh name walked cold list nodes (the bucket's predecessor, then each
// node, its hash kept inside it), and erasing walked the bucket again to find the
// predecessor; here a miss reads one slot line and erasing touches the slots only.
// T has `std::string key` and `std::size_t hash` (of key, the caller's function), neither
// changed while T is in the index. Not thread-safe: the caller locks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace cachet::dns {

template <class T>
class HashIndex {
 public:
  std::size_t size() const noexcept { return size_; }

  T* find(std::size_t hash, std::string_view key) const noexcept {
    if (size_ == 0) return nullptr;
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.entry) return nullptr;
      if (s.hash == hash && s.entry->key == key) return s.entry.get();
    }
  }

  // e's key must not be in the index yet.
  T& insert(std::unique_ptr<T> e) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    std::size_t i = e->hash & mask_;
    while (slots_[i].entry) i = (i + 1) & mask_;
    slots_[i] = Slot{e->hash, std::move(e)};
    ++size_;
    return *slots_[i].entry;
  }

  // e must be in the index; returned to the caller (who may free it after unlocking).
  std::unique_ptr<T> erase(const T& e) noexcept {
    std::size_t i = e.hash & mask_;
    while (slots_[i].entry.get() != &e) i = (i + 1) & mask_;
    std::unique_ptr<T> out = std::move(slots_[i].entry);
    // Backward shift: a later slot of the run moves into the hole unless its home lies
    // cyclically in (hole, slot], where the hole would be before its home.
    for (std::size_t j = (i + 1) & mask_; slots_[j].entry; j = (j + 1) & mask_) {
      const std::size_t home = slots_[j].hash & mask_;
      if (((j - home) & mask_) < ((j - i) & mask_)) continue;
      slots_[i] = std::move(slots_[j]);
      i = j;
    }
    --size_;  // slots_[i], moved from, is free
    return out;
  }

  void clear() noexcept {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
  }

 private:
  struct Slot {
    std::size_t hash = 0;
    std::unique_ptr<T> entry;  // null: free
  };
  static constexpr std::size_t kMinSlots = 16;

  void grow() {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(std::max(kMinSlots, slots_.size() * 2)));
    mask_ = slots_.size() - 1;
    for (Slot& s : old) {
      if (!s.entry) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].entry) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }

  std::vector<Slot> slots_;  // a power of two in size, or empty
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace cachet::dns
