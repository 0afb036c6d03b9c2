// SPDX-License-Identifier: BSD-2-Clause
// tests/fuzz/fuzz_dkim_milter_fields.cpp: cachet-dkim's readers of untrusted header values:
// the sender of a From field (common/dkim/policy.hpp) and the authserv-id an existing
// Authentication-Results field claims (authres::claimed_authserv_id, matched by
// milters/dkim/ar.hpp's claims_id). Invariants: never crash, hang or leak; a sender's
// domain is lower case and non-empty; a claimed id is lower case and claims itself; when
// the strict A-R parser reads the field, the id cachet-dkim claims is the id it reads
// (else a forged field would survive removal and be trusted downstream).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/authres/authres.hpp"
#include "common/base/strings.hpp"
#include "common/dkim/policy.hpp"
#include "milters/dkim/ar.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto s = cachet::dkim::parse_sender(in)) {
    if (s->domain.empty()) std::abort();
    for (const char c : s->domain)
      if (c >= 'A' && c <= 'Z') std::abort();
    (void)cachet::dkimd::claims_id(s->domain, in);
  }
  const std::string id = cachet::authres::claimed_authserv_id(in);
  (void)cachet::dkimd::claims_id(id, "mx.example.net");
  if (!id.empty()) {
    for (const char c : id)
      if (c >= 'A' && c <= 'Z') std::abort();
    if (!cachet::dkimd::claims_id(id, id)) std::abort();
  }
  if (const auto ar = cachet::authres::parse_authentication_results(in)) {
    if (cachet::to_lower(ar->authserv_id) != id) std::abort();
  }
  return 0;
}
