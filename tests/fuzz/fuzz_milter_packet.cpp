// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_milter_packet.cpp: the milter client's view of a filter's bytes
// (common/milter/wire): framing, reply / OPTNEG decoding of every packet, and the
// macro-list parser over the raw input. Invariants: never crash, hang, leak or throw; the
// packets do not depend on how the stream was cut (one feed, or two at a data-dependent
// point); each packet framed again is exactly the bytes it was read from; a macro list
// that parses, joined with spaces, parses to the same names.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/milter/wire.hpp"

namespace {

using namespace cachet::milter::wire;

// Every packet the decoder yields, in order, after the given feeds; stops at an error.
std::vector<Packet> packets(const std::vector<std::string_view>& feeds, bool& failed) {
  PacketDecoder decoder;
  std::vector<Packet> out;
  failed = false;
  for (const std::string_view f : feeds) {
    decoder.feed(f);
    for (;;) {
      auto packet = decoder.next();
      if (!packet) {
        failed = true;
        return out;
      }
      if (!*packet) break;
      out.push_back(std::move(**packet));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto names = parse_macro_list(in)) {
    std::string joined;
    for (const auto& n : *names) joined += (joined.empty() ? "" : " ") + n;
    const auto again = parse_macro_list(joined);
    if (!again || *again != *names) std::abort();
  }
  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);
  bool whole_failed = false, split_failed = false;
  const auto whole = packets({in}, whole_failed);
  const auto split = packets({in.substr(0, cut), in.substr(cut)}, split_failed);
  if (whole_failed != split_failed || whole.size() != split.size()) std::abort();
  std::string framed;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (whole[i].command != split[i].command || whole[i].payload != split[i].payload) std::abort();
    framed += encode_packet(whole[i].command, whole[i].payload);
    if (whole[i].command == kCmdOptneg)
      (void)decode_optneg(whole[i].payload);
    else
      (void)decode_reply(whole[i]);
  }
  if (in.substr(0, framed.size()) != framed) std::abort();
  return 0;
}
