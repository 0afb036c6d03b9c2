// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_pcre_table.cpp: pcre_table(5) parser and matcher. The input is a
// table; its first line, if any, is also used as lookup key, and a few fixed keys are
// tried. Must not crash, hang, leak or throw. PCRE2 limits bound matching time. Property:
// strict loading only refuses more: a table that loads strictly loads leniently too and
// answers every key the same (value and rule).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/tables/pcre_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto lenient = cachet::tables::parse_pcre_table(in, "fuzz.pcre", {false, true});
  auto strict = cachet::tables::parse_pcre_table(in, "fuzz.pcre", {true, true});
  if (strict && !lenient) std::abort();
  if (lenient) {
    const std::string_view first = in.substr(0, in.find('\n'));
    for (std::string_view key : {first, std::string_view("user+ext@example.com"), std::string_view(""),
                                 std::string_view("aaaaaaaaaaaaaaaaaaaaaaaab")}) {
      const auto a = (*lenient)->lookup_explained(key);
      if (!strict) continue;
      const auto b = (*strict)->lookup_explained(key);
      if (a.has_value() != b.has_value()) std::abort();
      if (a && (a->has_value() != b->has_value() ||
                (a->has_value() && ((*a)->value != (**b).value || (*a)->rule != (**b).rule))))
        std::abort();
    }
  }
  (void)cachet::tables::parse_inline_pcre_table(in);
  return 0;
}
