// SPDX-License-Identifier: BSD-2-Clause
//
// common/dkim/key_match.hpp: does a private key belong to a published key record? A test
// signature made with the private key must verify with the published key: this compares
// the keys whatever encoding p= uses (SPKI or a bare RSAPublicKey). Used by cachetctl
// testkey and doctor. No I/O; any thread.
// See also: key_record.hpp, common/crypto/crypto.hpp
#pragma once

#include "common/base/result.hpp"
#include "common/crypto/crypto.hpp"
#include "common/dkim/key_record.hpp"

namespace cachet::dkim {

// Errors: permanent ("key type mismatch: ...", "published key unusable: ...", "keys do not
// match"); internal (the test signature failed).
[[nodiscard]] Result<void> check_key_match(const crypto::PrivateKey& priv, const KeyRecord& rec);

}  // namespace cachet::dkim
