// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_tag_list.cpp: RFC 6376 s3.2 tag=value list parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/mail/tag_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto got = cachet::mail::parse_tag_list(in);  // must not crash, hang, leak or throw
  if (got) {
    for (const auto& t : got->tags) {
      if (got->find(t.name) != &t) __builtin_trap();  // names are unique
    }
  }
  return 0;
}
