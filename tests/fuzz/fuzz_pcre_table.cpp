// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_pcre_table.cpp: pcre_table(5) parser and matcher. The input is a
// table; its first line, if any, is also used as lookup key, and a few fixed keys are
// tried. Must not crash, hang, leak or throw. PCRE2 limits bound matching time.
#include <cstdint>
#include <string_view>

#include "common/tables/pcre_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool strict : {false, true}) {
    auto table = cachet::tables::parse_pcre_table(in, "fuzz.pcre", {strict, true});
    if (!table) continue;
    const std::string_view first = in.substr(0, in.find('\n'));
    for (std::string_view key : {first, std::string_view("user+ext@example.com"),
                                 std::string_view(""), std::string_view("aaaaaaaaaaaaaaaaaaaaaaaab")})
      (void)(*table)->lookup_explained(key);
  }
  (void)cachet::tables::parse_inline_pcre_table(in);
  return 0;
}
