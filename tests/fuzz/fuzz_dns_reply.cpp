// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dns_reply.cpp: DNS replies as a nameserver (or a spoofer) may send them,
// through decode_reply() for each record type the engines ask, and through
// wire_name_to_text(). The reply's own ID is passed as the expected one so the parser,
// not the ID check, sees most inputs. Must not crash, hang, leak or throw; records are
// of the asked type, their owners normalized names; a wire name that renders as text is
// that text's normalized form, and the text encodes back to the same labels (letters
// lower-cased).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/base/strings.hpp"
#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using cachet::dns::RrType;
  const std::span<const std::uint8_t> in(data, size);
  const std::uint16_t id = size >= 2 ? static_cast<std::uint16_t>(data[0] << 8 | data[1]) : 0;
  for (const RrType type : {RrType::a, RrType::aaaa, RrType::mx, RrType::txt, RrType::cname, RrType::ptr, RrType::ns}) {
    const auto got = cachet::dns::decode_reply(in, id, "example.org", type);
    for (const auto& r : got.answer.records) {
      if (r.type != type) __builtin_trap();  // only records of the asked type, ever
      // Owners in normalized form, whether copied from the name asked or rendered (the
      // root, "", can end a CNAME chain).
      const auto owner = cachet::dns::normalize_query_name(r.owner);
      if (!r.owner.empty() && (!owner || *owner != r.owner)) __builtin_trap();
    }
  }
  if (const auto text = cachet::dns::wire_name_to_text(in)) {
    const auto again = cachet::dns::normalize_query_name(*text);
    if (text->empty()) {  // the root: no name to ask
      if (again) __builtin_trap();
      return 0;
    }
    if (!again || *again != *text) __builtin_trap();
    std::array<std::uint8_t, cachet::dns::kMaxWireNameLength> back{};
    const auto n = cachet::dns::query_name_to_wire(*text, back);
    if (!n || *n > in.size()) __builtin_trap();
    for (std::size_t i = 0; i < *n; ++i)
      if (back[i] != static_cast<std::uint8_t>(cachet::ascii_lower(static_cast<char>(in[i])))) __builtin_trap();
  }
  return 0;
}
