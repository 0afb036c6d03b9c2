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

void CachingResolver::drop(std::unique_ptr<Entry> e, Dropped& dropped) noexcept {
  e->next_dropped = std::move(dropped);
  dropped = std::move(e);
}

// An entry for a's answer, or null when a is not to be cached; built before the lock.
std::unique_ptr<CachingResolver::Entry> CachingResolver::make_entry(Key key, const Answer& a, TimePoint now) const {
  const auto life = lifetime(a);
  if (life.count() <= 0) return nullptr;
  auto e = std::make_unique<Entry>();
  e->key = std::move(key.text);
  e->hash = key.hash;
  e->answer = a;
  e->stored = now;
  e->expires = now + life;
  return e;
}

// e becomes the newest entry; one of its key (another thread got there first) and the
// least recently used beyond max_entries go to dropped.
void CachingResolver::store_locked(std::unique_ptr<Entry> e, Dropped& dropped) {
  if (Entry* had = table_.find(e->hash, e->key)) {
    unlink(*had);
    drop(table_.erase(*had), dropped);
  }
  link_newest(table_.insert(std::move(e)));
  while (table_.size() > options_.max_entries) {  // the new entry is the newest, not evicted
    Entry& old = *oldest_;
    unlink(old);
    drop(table_.erase(old), dropped);
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
bool CachingResolver::find_locked(const Key& key, TimePoint now, Answer& out, Dropped& dropped) {
  Entry* e = table_.find(key.hash, key.text);
  if (e == nullptr) return false;
  unlink(*e);
  if (now >= e->expires) {
    drop(table_.erase(*e), dropped);
    return false;
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  link_newest(*e);
  out = e->answer;
  out.is_cached = true;
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e->stored);
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
  {
    Dropped dropped;  // freed after the lock
    const std::lock_guard lock(mu_);
    if (find_locked(key, now_(), a, dropped)) return a;
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  a = backend_.query(std::string_view(key.text).substr(0, name_size), type);
  auto e = make_entry(std::move(key), a, now_());
  if (!e) return a;
  Dropped dropped;
  const std::lock_guard lock(mu_);
  store_locked(std::move(e), dropped);
  return a;
}

// Every pending question looked up under one lock: hits go to out and leave `pending`.
void CachingResolver::lookup(std::vector<Pending>& pending, std::vector<Answer>& out) {
  const TimePoint now = now_();
  Dropped dropped;  // freed after the lock
  const std::lock_guard lock(mu_);
  std::erase_if(pending, [&](const Pending& p) { return find_locked(p.key, now, out[p.index], dropped); });
}

// Hits answered here; the misses (each distinct key once) go to the backend in one batch.
std::vector<Answer> CachingResolver::query_many(std::span<const Question> questions) {
  std::vector<Answer> out(questions.size());
  std::vector<Pending> misses;  // every valid question, then only the misses
  misses.reserve(questions.size());
  for (std::size_t i = 0; i < questions.size(); ++i) {
    Pending p{i, {}, 0, 0, false};
    if (make_key(questions[i].name, questions[i].type, p.key, p.name_size))
      misses.push_back(std::move(p));
    else
      out[i] = invalid_name_answer();
  }
  if (!misses.empty()) lookup(misses, out);
  if (misses.empty()) return out;
  misses_.fetch_add(misses.size(), std::memory_order_relaxed);
  std::vector<Question> ask;
  ask.reserve(misses.size());
  for (auto m = misses.begin(); m != misses.end(); ++m) {
    const auto same = std::find_if(misses.begin(), m, [&](const Pending& x) { return x.key == m->key; });
    m->is_first = same == m;
    m->asked = m->is_first ? ask.size() : same->asked;
    if (m->is_first)  // the keys no longer move
      ask.push_back(Question{std::string_view(m->key.text).substr(0, m->name_size), questions[m->index].type});
  }
  std::vector<Answer> got = backend_.query_many(ask);
  const TimePoint later = now_();
  for (const Pending& m : misses)  // the repeats copy, before the first ones move
    if (!m.is_first) out[m.index] = got[m.asked];
  // Entries built first, then stored under one lock.
  std::vector<std::unique_ptr<Entry>> entries;
  entries.reserve(ask.size());
  for (Pending& m : misses) {
    if (!m.is_first) continue;
    if (auto e = make_entry(std::move(m.key), got[m.asked], later)) entries.push_back(std::move(e));
    out[m.index] = std::move(got[m.asked]);
  }
  if (entries.empty()) return out;
  Dropped dropped;  // freed after the lock
  const std::lock_guard lock(mu_);
  for (auto& e : entries) store_locked(std::move(e), dropped);
  return out;
}

std::size_t CachingResolver::size() const {
  const std::lock_guard lock(mu_);
  return table_.size();
}

void CachingResolver::clear() {
  HashIndex<Entry> gone;  // freed after the lock
  const std::lock_guard lock(mu_);
  std::swap(gone, table_);
  newest_ = oldest_ = nullptr;
}

}  // namespace cachet::dns
