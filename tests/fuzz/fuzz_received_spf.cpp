// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_received_spf.cpp: Received-SPF parser. Must not crash, hang or throw.
#include <cstdint>
#include <string_view>

#include "common/authres/received_spf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = cachet::authres::parse_received_spf(in);
  if (r) (void)r->find("identity");
  return 0;
}
