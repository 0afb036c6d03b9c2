// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dkim_signature.cpp: DKIM-Signature parser, b= remover, and the
// formatter round trip (a parsed signature, formatted again, must parse again).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/signature.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)cachet::dkim::strip_b_value(in);
  const auto sig = cachet::dkim::parse_signature(in);
  if (!sig) return 0;
  const std::string text = cachet::dkim::append_b_value(
      cachet::dkim::format_signature_unsigned(*sig, cachet::dkim::SignatureStyle::opendkim, sig->b.size()), sig->b);
  const auto again = cachet::dkim::parse_signature(text);
  if (!again || again->b != sig->b || again->domain != sig->domain) __builtin_trap();
  return 0;
}
