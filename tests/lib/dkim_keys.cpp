// SPDX-License-Identifier: BSD-2-Clause
#include "tests/lib/dkim_keys.hpp"

#include "common/base/base64.hpp"

namespace cachet::testlib {

DkimTestKey make_dkim_key(crypto::KeyType type) {
  DkimTestKey out;
  auto key = crypto::PrivateKey::generate(type, 2048);
  if (!key) return out;
  out.pem = std::string(key->to_pem()->view());
  out.record = std::string("v=DKIM1; k=") + (type == crypto::KeyType::rsa ? "rsa" : "ed25519") +
               "; p=" + base64_encode(*key->public_key_for_dns());
  return out;
}

std::vector<std::string> txt_chunks(const std::string& value) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); i += 255) out.push_back(value.substr(i, 255));
  return out;
}

}  // namespace cachet::testlib
