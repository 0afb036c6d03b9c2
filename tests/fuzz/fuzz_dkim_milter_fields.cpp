// SPDX-License-Identifier: BSD-2-Clause
// tests/fuzz/fuzz_dkim_milter_fields.cpp: cachet-dkim's readers of untrusted header values:
// the sender of a From field (common/dkim/policy.hpp) and the authserv-id an existing
// Authentication-Results field claims (milters/dkim/ar.hpp). Must not crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/policy.hpp"
#include "milters/dkim/ar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto s = cachet::dkim::parse_sender(in)) (void)cachet::dkimd::claims_id(s->domain, in);
  const std::string id = cachet::dkimd::claimed_authserv_id(in);
  (void)cachet::dkimd::claims_id(id, "mx.example.net");
  return 0;
}
