// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_spf_per_user.cpp: cachet-spf's Per_User file parser (policyd-spf.peruser(5)
// format) over arbitrary bytes. Must not crash, hang, leak or throw; a file it accepts must
// build a table whose every recipient is found again.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policyd/spf/per_user.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const cachet::spfd::PerUserOutcome got = cachet::spfd::parse_per_user(in, "fuzz");
  if (!got.ok()) return 0;
  const cachet::spfd::Settings global;
  auto table = cachet::spfd::PerUserTable::build(global, got.entries);
  if (!table) std::abort();  // the parser accepted a value apply_option refuses
  for (const auto& e : got.entries) {
    if ((*table)->find(e.recipient) == nullptr) std::abort();
  }
  return 0;
}
