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

void CachingResolver::link_newest(Entry& e) noexcept {
  e.newer = nullptr;
  e.older = newest_;
  if (newest_ != nullptr) newest_->newer = &e;
  newest_ = &e;
  if (oldest_ == nullptr) oldest_ = &e;
}

void CachingResolver::unlink(Entry& e) noexcept {
  (e.newer != nullptr ? e.newer->older : newest_) = e.older;
  (e.older != nullptr ? e.older->newer : oldest_) = e.newer;
  e.newer = e.older = nullptr;
}

void CachingResolver::store(Key key, const Answer& a, TimePoint now) {
  const auto life = lifetime(a);
  if (life.count() <= 0) return;
  Answer copy = a;  // made before the lock is taken
  const std::lock_guard lock(mu_);
  const auto [it, inserted] = table_.try_emplace(std::move(key));  // one lookup; key kept if found
  Entry& e = it->second;
  if (!inserted) unlink(e);  // another thread got there first: this answer replaces its
  e.answer = std::move(copy);
  e.stored = now;
  e.expires = now + life;
  e.key = &it->first;
  link_newest(e);
  while (table_.size() > options_.max_entries) {  // the new entry is the newest, not evicted
    Entry& old = *oldest_;
    unlink(old);
    table_.erase(table_.find(*old.key));  // found before its key goes with it
  }
}

// "<qname> <type>", built in one allocation, and its hash; false for a name that is not
// a DNS name.
bool CachingResolver::make_key(std::string_view name, RrType type, Key& key, std::size_t& name_size) {
  std::string& text = key.text;
  text.reserve(name.size() + 6);  // the name at most as long normalized, " 65535"
  if (!append_normalized_query_name(name, text)) return false;
  name_size = text.size();
  text += ' ';
  text += std::to_string(static_cast<unsigned>(type));
  key.hash = std::hash<std::string_view>{}(text);
  return true;
}

// A fresh entry for key, its TTLs counted down, into out; an expired one is dropped.
bool CachingResolver::find(const Key& key, TimePoint now, Answer& out) {
  const std::lock_guard lock(mu_);
  const auto it = table_.find(key);
  if (it == table_.end()) return false;
  if (now >= it->second.expires) {
    unlink(it->second);
    table_.erase(it);
    return false;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  unlink(it->second);
  link_newest(it->second);
  out = it->second.answer;
  out.is_cached = true;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - it->second.stored);
  const auto aged = static_cast<std::uint32_t>(std::max<std::int64_t>(age.count(), 0));
  for (auto& r : out.records) r.ttl = r.ttl > aged ? r.ttl - aged : 0;
  out.negative_ttl = out.negative_ttl > aged ? out.negative_ttl - aged : 0;
  return true;
}

Answer CachingResolver::query(std::string_view name, RrType type) {
  Key key;
  std::size_t name_size = 0;
  if (!make_key(name, type, key, name_size)) return invalid_name_answer();
  Answer a;
  if (find(key, now_(), a)) return a;
  misses_.fetch_add(1, std::memory_order_relaxed);
  a = backend_.query(std::string_view(key.text).substr(0, name_size), type);
  store(std::move(key), a, now_());
  return a;
}

// Hits answered here; the misses (each distinct key once) go to the backend in one batch.
std::vector<Answer> CachingResolver::query_many(std::span<const Question> questions) {
  std::vector<Answer> out(questions.size());
  struct Miss {
    std::size_t index;
    Key key;
    std::size_t name_size;
    std::size_t asked;  // index into `ask`
    bool is_first;      // the first miss of its key: the one asked and stored
  };
  std::vector<Miss> misses;
  std::vector<Question> ask;
  misses.reserve(questions.size());  // a cold batch misses every question: no regrowth
  ask.reserve(questions.size());
  const TimePoint now = now_();
  for (std::size_t i = 0; i < questions.size(); ++i) {
    Miss m{i, {}, 0, 0, false};
    if (!make_key(questions[i].name, questions[i].type, m.key, m.name_size)) {
      out[i] = invalid_name_answer();
      continue;
    }
    if (find(m.key, now, out[i])) continue;
    misses_.fetch_add(1, std::memory_order_relaxed);
    const auto same = std::find_if(misses.begin(), misses.end(), [&](const Miss& x) { return x.key == m.key; });
    m.is_first = same == misses.end();
    m.asked = m.is_first ? ask.size() : same->asked;
    if (m.is_first) ask.push_back(Question{{}, questions[i].type});
    misses.push_back(std::move(m));
  }
  if (ask.empty()) return out;
  for (const Miss& m : misses)  // now: the keys no longer move
    if (m.is_first) ask[m.asked].name = std::string_view(m.key.text).substr(0, m.name_size);
  std::vector<Answer> got = backend_.query_many(ask);
  const TimePoint later = now_();
  for (const Miss& m : misses)  // the repeats copy, before the first ones move
    if (!m.is_first) out[m.index] = got[m.asked];
  for (Miss& m : misses) {
    if (!m.is_first) continue;
    store(std::move(m.key), got[m.asked], later);
    out[m.index] = std::move(got[m.asked]);
  }
  return out;
}

std::size_t CachingResolver::size() const {
  const std::lock_guard lock(mu_);
  return table_.size();
}

void CachingResolver::clear() {
  const std::lock_guard lock(mu_);
  table_.clear();
  newest_ = oldest_ = nullptr;
}

}  // namespace cachet::dns
