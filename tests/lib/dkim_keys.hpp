// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/dkim_keys.hpp: DKIM key pairs made at test time (never committed keys): the
// private key as PEM and the TXT record that publishes it, split into the 255-byte
// character-strings a zone carries. For integration and soak tests; throws nothing, a key
// that cannot be made is an empty PEM (the test then fails on it).
#pragma once

#include <string>
#include <vector>

#include "common/crypto/crypto.hpp"

namespace cachet::testlib {

struct DkimTestKey {
  std::string pem;
  std::string record;  // "v=DKIM1; k=…; p=…"
};

// RSA keys are 2048 bits.
DkimTestKey make_dkim_key(crypto::KeyType type);

// TXT rdata as 255-byte character-strings (the resolver concatenates them).
std::vector<std::string> txt_chunks(const std::string& value);

}  // namespace cachet::testlib
