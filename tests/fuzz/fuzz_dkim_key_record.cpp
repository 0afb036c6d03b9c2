// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_key_record.cpp: DKIM key record parser and the public key decoder
// behind it (OpenSSL's DER parser sees the p= bytes).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/crypto/crypto.hpp"
#include "common/dkim/key_record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto rec = cachet::dkim::parse_key_record(in);
  if (rec && !rec->is_revoked) {
    (void)cachet::crypto::PublicKey::from_dkim(rec->key_type, rec->public_key);
  }
  return 0;
}
