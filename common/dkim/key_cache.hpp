// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_cache.hpp: parsed public keys keyed by their exact p= bytes, shared by
// all verifier threads. OpenSSL 3 spends ~250 us decoding an RSA-2048 SubjectPublicKeyInfo
// (about ten RSA verifications), so a milter that sees the same senders over and over
// decodes each key once. The bytes are the key, so there is nothing to expire: DNS TTLs
// stay the resolver's business. Thread-safe (the map is Guarded, locked only for the map access).
// Bounded: when kDefaultCapacity entries are held, the cache is emptied and starts over.
// See also: verify.hpp, tests/unit/common/dkim/key_cache_test.cpp
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/base/guarded.hpp"
#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"

namespace cachet::dkim {

class PublicKeyCache {
 public:
  static constexpr std::size_t kDefaultCapacity = 4096;
  explicit PublicKeyCache(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  // The cached key for (type, der), parsing it on a miss. Errors: those of
  // crypto::PublicKey::from_dkim (failures are not cached).
  [[nodiscard]] Result<std::shared_ptr<const crypto::PublicKey>> get(crypto::KeyType type, std::string_view der);
  std::size_t size() const;

 private:
  using Key = std::pair<crypto::KeyType, std::string>;
  std::size_t capacity_;
  Guarded<std::map<Key, std::shared_ptr<const crypto::PublicKey>, std::less<>>> keys_;
};

}  // namespace cachet::dkim
