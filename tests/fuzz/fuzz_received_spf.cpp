// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_received_spf.cpp: Received-SPF parser. Invariants: never crash, hang or
// throw; keys are lower case and at most kMaxReceivedSpfPairs; find() answers the first
// pair of a key whatever its case; folding white space around the value (a leading space,
// a trailing CRLF WSP) changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/authres/received_spf.hpp"

namespace {

bool same(const cachet::authres::ReceivedSpf& a, const cachet::authres::ReceivedSpf& b) {
  return a.result == b.result && a.comment == b.comment && a.pairs == b.pairs;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto r = cachet::authres::parse_received_spf(in);
  if (!r) return 0;
  if (r->pairs.size() > cachet::authres::kMaxReceivedSpfPairs) std::abort();
  for (const auto& [key, value] : r->pairs) {
    for (const char c : key)
      if (c >= 'A' && c <= 'Z') std::abort();
    std::string upper(key);
    for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    const std::string* found = r->find(upper);
    if (found == nullptr) std::abort();
    for (const auto& p : r->pairs) {
      if (p.first == key) {
        if (*found != p.second) std::abort();
        break;
      }
    }
  }
  if (in.size() + 3 <= cachet::authres::kMaxReceivedSpfBytes) {
    const auto folded = cachet::authres::parse_received_spf(" " + std::string(in) + "\r\n ");
    if (!folded || !same(*r, *folded)) std::abort();
  }
  return 0;
}
