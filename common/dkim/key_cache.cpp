// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_cache.cpp: see key_cache.hpp.
#include "common/dkim/key_cache.hpp"

namespace cachet::dkim {

Result<std::shared_ptr<const crypto::PublicKey>> PublicKeyCache::get(crypto::KeyType type, std::string_view der) {
  Key key{type, std::string(der)};
  {
    const auto keys = keys_.lock();
    if (const auto it = keys->find(key); it != keys->end()) return it->second;
  }
  // Parsed outside the lock: two threads may both parse a new key; one result is kept.
  auto parsed = crypto::PublicKey::from_dkim(type, der);
  if (!parsed) return fail(parsed.error().code, parsed.error().detail);
  auto shared = std::make_shared<const crypto::PublicKey>(std::move(*parsed));
  const auto keys = keys_.lock();
  if (keys->size() >= capacity_) keys->clear();
  return keys->emplace(std::move(key), std::move(shared)).first->second;
}

std::size_t PublicKeyCache::size() const { return keys_.lock()->size(); }

}  // namespace cachet::dkim
