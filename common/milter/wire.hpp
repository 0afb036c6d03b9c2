// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/wire.hpp: the Sendmail milter protocol (version 6, as Postfix speaks it) as
// pure data: constants, packet framing, decoders and encoders for both directions: what
// the MTA sends (OPTNEG offer, macros, connect, argv lists, header) and what a filter
// answers (replies, modification requests, the OPTNEG answer with its SETSYMLIST lists).
// Used by the server (connection.hpp), the project's milter client (tests/lib) and the
// fuzz targets. No I/O, no logging, no globals; any thread.
// Every decoder rejects malformed input with Errc::bad_input; limits are named below.
// See also: ../shared/reference/conformance.md s7, connection.hpp (the server side).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.hpp"

namespace cachet::milter::wire {

inline constexpr std::uint32_t kProtocolVersion = 6;
// A packet's length field counts the command byte plus the payload. libmilter's largest
// negotiable data size is 1 MiB - 1 (SMFIP_MDS_1M); anything above is a framing error.
inline constexpr std::uint32_t kMaxPacketBytes = 1024 * 1024;
inline constexpr std::size_t kMaxBodyChunk = 65535;
inline constexpr std::size_t kMaxMacroNames = 64;  // per stage, in a SETSYMLIST list
inline constexpr std::size_t kMaxMacroNameBytes = 64;
inline constexpr std::size_t kMaxArgs = 256;         // strings in a MAIL/RCPT argv
inline constexpr std::size_t kMaxMacroPairs = 1024;  // name/value pairs in one 'D' packet
inline constexpr std::size_t kMaxReplyText = 980;    // a custom reply's text

// Commands, MTA -> filter.
inline constexpr char kCmdAbort = 'A', kCmdBody = 'B', kCmdConnect = 'C', kCmdMacro = 'D', kCmdEom = 'E',
                      kCmdHelo = 'H', kCmdQuitNc = 'K', kCmdHeader = 'L', kCmdMail = 'M', kCmdEoh = 'N',
                      kCmdOptneg = 'O', kCmdQuit = 'Q', kCmdRcpt = 'R', kCmdData = 'T', kCmdUnknown = 'U';
// Replies and modification requests, filter -> MTA.
inline constexpr char kRepAddRcpt = '+', kRepDelRcpt = '-', kRepAddRcptPar = '2', kRepShutdown = '4', kRepAccept = 'a',
                      kRepReplBody = 'b', kRepContinue = 'c', kRepDiscard = 'd', kRepChgFrom = 'e', kRepConnFail = 'f',
                      kRepAddHeader = 'h', kRepInsHeader = 'i', kRepSetSymList = 'l', kRepChgHeader = 'm',
                      kRepProgress = 'p', kRepQuarantine = 'q', kRepReject = 'r', kRepSkip = 's', kRepTempfail = 't',
                      kRepReplyCode = 'y';

// SMFIF_* action flags.
inline constexpr std::uint32_t kActAddHdrs = 0x01, kActChgBody = 0x02, kActAddRcpt = 0x04, kActDelRcpt = 0x08,
                               kActChgHdrs = 0x10, kActQuarantine = 0x20, kActChgFrom = 0x40, kActAddRcptPar = 0x80,
                               kActSetSymList = 0x100, kActAll = 0x1FF;
// SMFIP_* protocol flags.
inline constexpr std::uint32_t kNoConnect = 0x1, kNoHelo = 0x2, kNoMail = 0x4, kNoRcpt = 0x8, kNoBody = 0x10,
                               kNoHdrs = 0x20, kNoEoh = 0x40, kNrHdr = 0x80, kNoUnknown = 0x100, kNoData = 0x200,
                               kSkip = 0x400, kRcptRej = 0x800, kNrConn = 0x1000, kNrHelo = 0x2000, kNrMail = 0x4000,
                               kNrRcpt = 0x8000, kNrData = 0x10000, kNrUnkn = 0x20000, kNrEoh = 0x40000,
                               kNrBody = 0x80000, kHdrLeadSpc = 0x100000, kMds256k = 0x10000000, kMds1m = 0x20000000,
                               kProtoAll = 0x001FFFFF;

// Macro stages of SETSYMLIST (SMFIM_*), in protocol order.
enum class Stage : std::uint32_t { connect = 0, helo = 1, mail = 2, rcpt = 3, data = 4, eom = 5, eoh = 6 };
inline constexpr std::uint32_t kStageCount = 7;

struct Packet {
  char command = 0;
  std::string payload;
};
// A packet whose payload lies in its decoder's buffer (PacketDecoder::next_view).
struct PacketView {
  char command = 0;
  std::string_view payload;
};

// Frames one packet: 4-byte big-endian length (command + payload), command, payload.
std::string encode_packet(char command, std::string_view payload);
void append_u32(std::string& out, std::uint32_t v);
// NUL-terminated strings, concatenated (the form of argv lists and name/value pairs).
std::string nul_join(const std::vector<std::string>& parts);

// Push parser over a byte stream: feed() what the socket gave, then next() until it
// yields nullopt. A length of 0 or above kMaxPacketBytes is bad_input (the stream is then
// unusable: the caller must drop the connection).
class PacketDecoder {
 public:
  void feed(std::string_view bytes) {
    compact();
    buf_.append(bytes);
  }
  [[nodiscard]] Result<std::optional<Packet>> next();
  // next() without copying the payload (the milter server's path: a message's header
  // fields and macros would each be copied once more): the view is valid until the next
  // call of feed() or next*().
  [[nodiscard]] Result<std::optional<PacketView>> next_view();
  std::size_t buffered() const noexcept { return buf_.size() - pos_; }

 private:
  void compact();  // drops what was taken (only between calls: views point into buf_)
  std::string buf_;
  std::size_t pos_ = 0;
};

// The filter's OPTNEG answer.
struct OptNeg {
  std::uint32_t version = 0;
  std::uint32_t actions = 0;
  std::uint32_t protocol = 0;
  // Per stage (index = Stage), the macro names the filter asked for; nullopt = not asked.
  std::vector<std::optional<std::vector<std::string>>> symlists =
      std::vector<std::optional<std::vector<std::string>>>(kStageCount);
};
[[nodiscard]] Result<OptNeg> decode_optneg(std::string_view payload);

// The filter's OPTNEG answer framed as a payload: version, actions, protocol, then each
// stage's list that is set, names joined by spaces (decode_optneg reads it back).
std::string encode_optneg(const OptNeg& answer);

// Splits a SETSYMLIST / MacroList value: names separated by spaces (or commas), each either
// one character or `{name}`; bad_input on empty names, stray braces, control bytes, more than
// kMaxMacroNames names or a name above kMaxMacroNameBytes.
[[nodiscard]] Result<std::vector<std::string>> parse_macro_list(std::string_view list);

// One decoded filter -> MTA packet.
struct Reply {
  char command = 0;         // one of kRep*
  std::string name, value;  // headers (h i m), address + args (+ 2 e), reason (q), text (y)
  std::uint32_t index = 0;  // i (insert position), m (occurrence, 1-based)
  std::string args;         // ESMTP args of 2 / e (empty when absent)
  std::string body;         // b
  // True for replies that end the current step: everything but modifications and progress.
  bool is_final() const noexcept;
};
// Decodes a packet the filter sent; bad_input on unknown commands, missing NULs, trailing
// junk, or a custom reply ('y') that is not `[45]dd` + space/end with printable text.
[[nodiscard]] Result<Reply> decode_reply(const Packet& packet);
// The packet (framed) that decode_reply reads back as `reply`.
std::string encode_reply(const Reply& reply);
// A custom reply's text "550 5.7.1 text" from its parts: code 4xx or 5xx; xcode empty or
// "c.d.d" with c the code's class and each part 1-3 digits; text without control bytes
// (CR, LF, NUL, DEL, any below 0x20 but HT) and at most kMaxReplyText bytes. bad_input
// otherwise.
[[nodiscard]] Result<std::string> format_reply_text(std::string_view code, std::string_view xcode,
                                                    std::string_view text);

// ---- What the MTA sends ----

// A payload of NUL-terminated strings (argv lists, HELO, header name and value): bad_input
// unless it ends with NUL and holds between min and max strings. The views point into it.
[[nodiscard]] Result<std::vector<std::string_view>> split_strings(std::string_view payload, std::size_t min,
                                                                  std::size_t max);
// The same into `out` (max = out.size()), without allocating; the number of strings.
[[nodiscard]] Result<std::size_t> split_strings_into(std::string_view payload, std::size_t min,
                                                     std::span<std::string_view> out);
// Exactly N strings (a header's name and value, HELO's name): split_strings(payload, N, N)
// on the stack, as every header of every message takes this path.
template <std::size_t N>
[[nodiscard]] Result<std::array<std::string_view, N>> split_exactly(std::string_view payload) {
  std::array<std::string_view, N> out;
  if (auto n = split_strings_into(payload, N, out); !n) return Unexpected<Error>(n.error());
  return out;
}

// CONNECT: hostname, family ('4' '6' 'L' unix, 'U' unknown), and unless 'U' the port
// (16-bit) and address.
struct Connect {
  std::string hostname;
  char family = 'U';
  std::uint16_t port = 0;
  std::string address;
};
[[nodiscard]] Result<Connect> decode_connect(std::string_view payload);

// 'D': the command the macros are for, then name/value pairs (at most kMaxMacroPairs).
struct Macros {
  char command = 0;
  std::vector<std::pair<std::string, std::string>> pairs;
};
[[nodiscard]] Result<Macros> decode_macros(std::string_view payload);
// The SETSYMLIST stage whose macros a 'D' packet for `command` carries; nullopt for
// commands that have none.
std::optional<Stage> macro_stage(char command) noexcept;

}  // namespace cachet::milter::wire
