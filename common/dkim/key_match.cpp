// SPDX-License-Identifier: BSD-2-Clause
// common/dkim/key_match.cpp: see key_match.hpp.
#include "common/dkim/key_match.hpp"

#include <string>

namespace cachet::dkim {

Result<void> check_key_match(const crypto::PrivateKey& priv, const KeyRecord& rec) {
  if (priv.type() != rec.key_type)
    return fail(Errc::permanent, std::string("key type mismatch: private key is ") +
                                     (priv.type() == crypto::KeyType::rsa ? "rsa" : "ed25519") +
                                     ", record has k=" + (rec.key_type == crypto::KeyType::rsa ? "rsa" : "ed25519"));
  auto pub = crypto::PublicKey::from_dkim(rec.key_type, rec.public_key);
  if (!pub) return fail(Errc::permanent, "published key unusable: " + pub.error().detail);
  const std::string digest = crypto::digest(crypto::HashAlg::sha256, "cachet key match");
  auto sig = priv.sign_digest(crypto::HashAlg::sha256, digest);
  if (!sig) return fail(Errc::internal, "test signature failed: " + sig.error().detail);
  if (!pub->verify_digest(crypto::HashAlg::sha256, digest, *sig)) return fail(Errc::permanent, "keys do not match");
  return {};
}

}  // namespace cachet::dkim
