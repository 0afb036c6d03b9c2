// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_dns_reply.cpp: DNS replies as a nameserver (or a spoofer) may send them,
// through decode_reply() for each record type the engines ask, and through
// wire_name_to_text(). The reply's own ID is passed as the expected one so the parser,
// not the ID check, sees most inputs. Must not crash, hang, leak or throw.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dns/name.hpp"
#include "common/dns/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using cachet::dns::RrType;
  const std::span<const std::uint8_t> in(data, size);
  const std::uint16_t id = size >= 2 ? static_cast<std::uint16_t>(data[0] << 8 | data[1]) : 0;
  for (const RrType type : {RrType::a, RrType::aaaa, RrType::mx, RrType::txt, RrType::cname, RrType::ptr, RrType::ns}) {
    const auto got = cachet::dns::decode_reply(in, id, "example.org", type);
    for (const auto& r : got.answer.records)
      if (r.type != type) __builtin_trap();  // only records of the asked type, ever
  }
  (void)cachet::dns::wire_name_to_text(in);
  return 0;
}
