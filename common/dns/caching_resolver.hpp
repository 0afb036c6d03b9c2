// SPDX-License-Identifier: BSD-2-Clause
//
// common/dns/caching_resolver.hpp: a TTL cache in front of any Resolver, shared by every
// thread of a daemon. Keys are (normalize_query_name() of the name, type): the spellings of
// one name (letter case, trailing dot) share an entry, names differing in any other octet
// (escapes included: "a\032b" is not "a b" unescaped, which is refused) do not.
//   answer           cached for min(TTL of the records), capped at max_ttl; TTL 0: not
//                    cached (RFC 1035 s3.2.1). Hits return the TTLs counted down.
//   nxdomain/nodata  cached for negative_ttl of the reply (SOA, RFC 2308 s5), or
//                    negative_ttl_default when the reply had none, clamped to
//                    [negative_ttl_floor, negative_ttl_ceiling].
//   servfail/timeout cached for temporary_ttl (default 0: never), so a flapping server
//                    is asked again at the next message.
//   invalid names    answered at once (nxdomain + is_invalid_name), never cached.
// At max_entries the least recently used entry is evicted. The clock is injected (unit
// tests pass a fake one). query_many() answers hits from the table and sends only the
// misses to the backend, as one batch (LdnsResolver: all in flight together).
// Thread-safety: one mutex around the table, taken once for a batch's lookups and once
// for its stores, never during the backend query; entries are built and freed outside it
// (a hit's copy is made under it); counters are atomics.
// LIMITATION: concurrent misses on the same key all reach the backend (no coalescing).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/dns/hash_index.hpp"
#include "common/dns/resolver.hpp"

namespace cachet::dns {

struct CacheOptions {
  std::size_t max_entries = 10000;
  std::chrono::seconds max_ttl{86400};
  std::chrono::seconds negative_ttl_default{60};
  std::chrono::seconds negative_ttl_floor{5};
  std::chrono::seconds negative_ttl_ceiling{3600};
  std::chrono::seconds temporary_ttl{0};
};

class CachingResolver final : public Resolver {
 public:
  using Now = std::function<std::chrono::steady_clock::time_point()>;

  // backend must outlive this object. now defaults to std::chrono::steady_clock::now.
  explicit CachingResolver(Resolver& backend, CacheOptions options = {}, Now now = {});

  Answer query(std::string_view name, RrType type) override;
  // Hits from the table; the misses (a name asked twice in the batch: once) in one
  // backend query_many(), each answer stored as query() stores it.
  std::vector<Answer> query_many(std::span<const Question> questions) override;
  std::size_t cache_capacity() const noexcept override { return options_.max_entries; }

  std::uint64_t hits() const noexcept { return hits_.load(); }
  std::uint64_t misses() const noexcept { return misses_.load(); }
  std::size_t size() const;
  void clear();

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  // "<qname> <type>" and its hash, computed once, outside the lock.
  struct Key {
    std::string text;
    std::size_t hash = 0;
    bool operator==(const Key& other) const noexcept { return hash == other.hash && text == other.text; }
  };
  // Entries own their key and are linked in recency order (they never move while they live).
  struct Entry {
    std::string key;  // Key::text
    std::size_t hash = 0;
    Answer answer;
    TimePoint stored;
    TimePoint expires;
    Entry* newer = nullptr;
    Entry* older = nullptr;
    std::unique_ptr<Entry> next_dropped;  // a Dropped list: freed after the lock is released
  };
  // Entries taken out under the lock (expired, replaced, evicted), freed when it is gone.
  using Dropped = std::unique_ptr<Entry>;
  // A question of a batch: looked up, then (a miss) asked and stored.
  struct Pending {
    std::size_t index;  // into the batch
    Key key;
    std::size_t name_size = 0;
    std::size_t asked = 0;  // index into the backend's batch
    bool is_first = false;  // the first miss of its key: the one asked and stored
  };
  static void drop(std::unique_ptr<Entry> e, Dropped& dropped) noexcept;
  void link_newest(Entry& e) noexcept;
  void unlink(Entry& e) noexcept;
  static bool make_key(std::string_view name, RrType type, Key& key, std::size_t& name_size);
  bool find_locked(const Key& key, TimePoint now, Answer& out, Dropped& dropped);
  void lookup(std::vector<Pending>& pending, std::vector<Answer>& out);
  std::chrono::seconds lifetime(const Answer& a) const;
  std::unique_ptr<Entry> make_entry(Key key, const Answer& a, TimePoint now) const;
  void store_locked(std::unique_ptr<Entry> e, Dropped& dropped);

  Resolver& backend_;
  CacheOptions options_;
  Now now_;
  mutable std::mutex mu_;
  HashIndex<Entry> table_;
  Entry* newest_ = nullptr;  // the recency list: evicted from oldest_
  Entry* oldest_ = nullptr;
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace cachet::dns
