// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dmarc_record.cpp: DMARC record parser. Invariants: never crash, hang or
// throw; a record that is_dmarc_record() rejects is never parsed; pct stays in range.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = cachet::dmarc::parse_record(in);
  if (r && !cachet::dmarc::is_dmarc_record(in)) std::abort();
  if (r && r->pct > 100) std::abort();
  return 0;
}
