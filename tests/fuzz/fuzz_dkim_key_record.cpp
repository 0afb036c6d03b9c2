// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_key_record.cpp: DKIM key record parser and the public key decoder
// behind it (OpenSSL's DER parser sees the p= bytes). Invariants: never crash or throw;
// revoked exactly when p= is empty; a key that loads has a size (RSA: what OpenSSL says,
// Ed25519: 256 bits); the same record with a v=DKIM1 prefix added (when it had none) and
// a final ';' (when it had none) parses to the same key.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/crypto/crypto.hpp"
#include "common/dkim/key_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto rec = cachet::dkim::parse_key_record(in);
  if (!rec) return 0;
  if (rec->is_revoked != rec->public_key.empty()) std::abort();
  if (!rec->is_revoked) {
    const auto key = cachet::crypto::PublicKey::from_dkim(rec->key_type, rec->public_key);
    if (key && key->bits() <= 0) std::abort();
  }
  std::string body(in.substr(0, in.find_last_not_of(" \t\r\n") + 1));
  const auto first = body.find_first_not_of(" \t\r\n");
  // A tag may have whitespace between its name and '=' (RFC 6376 s3.2: "v \t=DKIM1").
  const auto after_v = first == std::string::npos || body[first] != 'v' ? std::string::npos
                                                                        : body.find_first_not_of(" \t\r\n", first + 1);
  const bool has_version = after_v != std::string::npos && body[after_v] == '=';
  if (body.empty() || body.back() != ';') body += ";";
  const std::string variant = (has_version ? "" : "v=DKIM1; ") + body;
  const auto again = cachet::dkim::parse_key_record(variant);
  if (!again || again->public_key != rec->public_key || again->key_type != rec->key_type ||
      again->is_testing != rec->is_testing || again->is_strict_identity != rec->is_strict_identity)
    std::abort();
  return 0;
}
