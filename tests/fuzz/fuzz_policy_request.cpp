// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_policy_request.cpp: RequestParser over arbitrary bytes. The first byte
// picks a chunk size so that split feeds are exercised too; every request that parses
// must round-trip through append_request() and parse to the same attributes, and the
// parser must never buffer much more than its limits allow.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/policy/parser.hpp"
#include "common/policy/reply.hpp"

namespace {

using cachet::policy::Request;
using cachet::policy::RequestParser;

void check_round_trip(const Request& r) {
  std::string wire;
  if (!cachet::policy::append_request(wire, r).has_value()) {
    // The parser keeps a CR that is not the last byte of a line; the writer refuses CR.
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r.at(i).value.find('\r') != std::string_view::npos) return;
    std::abort();
  }
  RequestParser again;
  again.feed(wire);
  auto got = again.next();
  if (!got.has_value() || !got->has_value() || (*got)->size() != r.size()) std::abort();
  for (std::size_t i = 0; i < r.size(); ++i)
    if ((*got)->at(i).name != r.at(i).name || (*got)->at(i).value != r.at(i).value) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t chunk = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  RequestParser parser;
  while (!in.empty()) {
    const std::string_view piece = in.substr(0, chunk);
    in.remove_prefix(piece.size());
    parser.feed(piece);
    for (;;) {
      auto got = parser.next();
      if (!got.has_value()) {
        if (parser.failed()) return 0;
        continue;  // not_access_policy: the stream goes on
      }
      if (!got->has_value()) break;
      const Request& r = **got;
      if (!r.is_access_policy() || r.size() > cachet::policy::kMaxAttributes) std::abort();
      check_round_trip(r);
      (void)cachet::policy::format_reply(r.sender());  // must not crash on peer text
    }
  }
  return 0;
}
