// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_authres.cpp: Authentication-Results parser and writer. Invariants: never
// crash, hang or throw; whatever parses, the writer's output parses again to the same
// authserv-id and number of results; claimed_authserv_id() (what milters use to remove
// forged fields) reads the same id as the parser, from the input and from the output.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/authres/authres.hpp"
#include "common/base/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto ar = cachet::authres::parse_authentication_results(in);
  if (!ar) return 0;
  const std::string id = cachet::to_lower(ar->authserv_id);
  if (cachet::authres::claimed_authserv_id(in) != id) std::abort();
  const std::string text = cachet::authres::format_authentication_results(*ar);
  if (cachet::authres::claimed_authserv_id(text) != id) std::abort();
  const auto back = cachet::authres::parse_authentication_results(text);
  if (!back || back->authserv_id != ar->authserv_id || back->results.size() != ar->results.size()) {
    std::abort();
  }
  return 0;
}
