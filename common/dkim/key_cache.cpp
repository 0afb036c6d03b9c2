// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_cache.cpp: see key_cache.hpp.
#include "common/dkim/key_cache.hpp"

namespace cachet::dkim {

Result<std::shared_ptr<const crypto::PublicKey>> PublicKeyCache::get(crypto::KeyType type,
                                                                     std::string_view der) {
  Key key{type, std::string(der)};
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (const auto it = keys_.find(key); it != keys_.end()) return it->second;
  }
  // Parsed outside the lock: two threads may both parse a new key; one result is kept.
  auto parsed = crypto::PublicKey::from_dkim(type, der);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  auto shared = std::make_shared<const crypto::PublicKey>(std::move(*parsed));
  const std::lock_guard<std::mutex> lock(mu_);
  if (keys_.size() >= capacity_) keys_.clear();
  return keys_.emplace(std::move(key), std::move(shared)).first->second;
}

std::size_t PublicKeyCache::size() const {
  const std::lock_guard<std::mutex> lock(mu_);
  return keys_.size();
}

}  // namespace cachet::dkim
