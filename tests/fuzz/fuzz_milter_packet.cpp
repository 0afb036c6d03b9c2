// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_milter_packet.cpp: the milter client's view of a filter's bytes
// (common/milter/wire): framing, reply / OPTNEG decoding of every packet, and the
// macro-list parser over the raw input. Invariants: never crash, hang, leak or throw; the
// packets do not depend on how the stream was cut (one feed, or two at a data-dependent
// point); each packet framed again is exactly the bytes it was read from; a macro list
// that parses, joined with spaces, parses to the same names; a reply or OPTNEG answer that
// decodes, encoded again (encode_reply, encode_optneg), decodes to the same fields.
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

bool same_reply(const Reply& a, const Reply& b) {
  return a.command == b.command && a.name == b.name && a.value == b.value && a.index == b.index && a.args == b.args &&
         a.body == b.body;
}

// A reply that decodes, encoded again (the server's encoder), decodes to the same reply.
void check_reply_round_trip(const Packet& packet) {
  const auto reply = decode_reply(packet);
  if (!reply) return;
  PacketDecoder d;
  d.feed(encode_reply(*reply));
  auto again = d.next();
  if (!again || !*again || d.buffered() != 0) std::abort();
  const auto back = decode_reply(**again);
  if (!back || !same_reply(*back, *reply)) std::abort();
}

// Likewise an OPTNEG answer through encode_optneg.
void check_optneg_round_trip(std::string_view payload) {
  const auto o = decode_optneg(payload);
  if (!o) return;
  const auto back = decode_optneg(encode_optneg(*o));
  if (!back || back->version != o->version || back->actions != o->actions || back->protocol != o->protocol ||
      back->symlists != o->symlists)
    std::abort();
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
      check_optneg_round_trip(whole[i].payload);
    else
      check_reply_round_trip(whole[i]);
  }
  if (in.substr(0, framed.size()) != framed) std::abort();
  return 0;
}
