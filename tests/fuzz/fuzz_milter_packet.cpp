// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_milter_packet.cpp: the milter client's view of a filter's bytes
// (common/milter/wire): framing in two feeds, then reply / OPTNEG decoding of every packet,
// and the macro-list parser over the raw input. Must not crash, hang, leak or throw.
#include <cstdint>
#include <string_view>

#include "common/milter/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cachet::milter::wire;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)parse_macro_list(in);
  PacketDecoder decoder;
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  decoder.feed(in.substr(0, cut));
  for (int round = 0; round < 2; ++round) {
    for (;;) {
      auto packet = decoder.next();
      if (!packet || !*packet) break;
      if ((*packet)->command == kCmdOptneg)
        (void)decode_optneg((*packet)->payload);
      else
        (void)decode_reply(**packet);
    }
    decoder.feed(in.substr(cut));
  }
  return 0;
}
