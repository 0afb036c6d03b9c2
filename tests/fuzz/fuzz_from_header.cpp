// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_from_header.cpp: From-field and envelope address parsers. Invariants:
// never crash, hang or throw; every returned domain passes normalize_domain() unchanged
// and converts to an A-label form (or is rejected) without crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/org_domain.hpp"
#include "common/mail/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto boxes = cachet::mail::parse_from_mailboxes(in);
  if (boxes) {
    if (boxes->empty()) std::abort();
    for (const auto& b : *boxes) {
      const auto again = cachet::mail::normalize_domain(b.domain);
      if (!again || *again != b.domain) std::abort();
      (void)cachet::dmarc::to_a_label(b.domain);
    }
  }
  (void)cachet::mail::parse_envelope_address(in);
  return 0;
}
