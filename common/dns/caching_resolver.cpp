// SPDX-License-Identifier: BSD-2-Clause
// common/dns/caching_resolver.cpp: see caching_resolver.hpp.
#include "common/dns/caching_resolver.hpp"

#include <algorithm>

#include "common/dns/name.hpp"

namespace cachet::dns {

CachingResolver::CachingResolver(Resolver& backend, CacheOptions options, Now now)
    : backend_(backend), options_(options), now_(std::move(now)) {
  if (!now_) now_ = [] { return std::chrono::steady_clock::now(); };
  if (options_.max_entries == 0) options_.max_entries = 1;
}

std::chrono::seconds CachingResolver::lifetime(const Answer& a) const {
  using std::chrono::seconds;
  switch (a.status) {
    case Status::answer: {
      std::uint32_t ttl = UINT32_MAX;
      for (const auto& r : a.records) ttl = std::min(ttl, r.ttl);
      if (a.records.empty()) ttl = 0;
      return std::min(seconds(ttl), options_.max_ttl);
    }
    case Status::nodata:
    case Status::nxdomain: {
      const seconds soa = a.negative_ttl != 0 ? seconds(a.negative_ttl) : options_.negative_ttl_default;
      return std::clamp(soa, options_.negative_ttl_floor,
                        std::max(options_.negative_ttl_floor, options_.negative_ttl_ceiling));
    }
    case Status::servfail:
    case Status::timeout: return options_.temporary_ttl;
  }
  return seconds(0);
}

void CachingResolver::store(std::string key, const Answer& a, TimePoint now) {
  const auto life = lifetime(a);
  if (life.count() <= 0) return;
  Entry entry{a, now, now + life, {}};  // the copy made before the lock is taken
  const std::lock_guard lock(mu_);
  if (auto it = table_.find(key); it != table_.end()) {  // another thread got there first
    lru_.erase(it->second.lru);
    table_.erase(it);
  }
  while (table_.size() >= options_.max_entries && !lru_.empty()) {
    const auto oldest = table_.find(*lru_.back());  // found before its key goes with it
    lru_.pop_back();
    table_.erase(oldest);
  }
  const auto [it, inserted] = table_.emplace(std::move(key), std::move(entry));
  lru_.push_front(&it->first);
  it->second.lru = lru_.begin();
}

Answer CachingResolver::query(std::string_view name, RrType type) {
  auto qname = normalize_name(name);
  if (!qname) return invalid_name_answer();
  // "<qname> <type>": the normalized name's buffer becomes the key (one allocation).
  std::string key = std::move(*qname);
  const std::size_t name_size = key.size();
  key += ' ';
  key += std::to_string(static_cast<unsigned>(type));
  const TimePoint now = now_();
  {
    const std::lock_guard lock(mu_);
    if (auto it = table_.find(key); it != table_.end()) {
      if (now < it->second.expires) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        lru_.splice(lru_.begin(), lru_, it->second.lru);
        Answer a = it->second.answer;
        const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.stored);
        const auto aged = static_cast<std::uint32_t>(std::max<std::int64_t>(age.count(), 0));
        for (auto& r : a.records) r.ttl = r.ttl > aged ? r.ttl - aged : 0;
        a.negative_ttl = a.negative_ttl > aged ? a.negative_ttl - aged : 0;
        return a;
      }
      lru_.erase(it->second.lru);
      table_.erase(it);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  Answer a = backend_.query(std::string_view(key).substr(0, name_size), type);
  store(std::move(key), a, now_());
  return a;
}

std::size_t CachingResolver::size() const {
  const std::lock_guard lock(mu_);
  return table_.size();
}

void CachingResolver::clear() {
  const std::lock_guard lock(mu_);
  table_.clear();
  lru_.clear();
}

}  // namespace cachet::dns
