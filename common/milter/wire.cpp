// SPDX-License-Identifier: BSD-2-Clause
// common/milter/wire.cpp: see wire.hpp.
#include "common/milter/wire.hpp"

#include <algorithm>

namespace cachet::milter::wire {
namespace {

std::uint32_t read_u32(std::string_view s, std::size_t at) {
  return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
         (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

bool is_macro_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '{' && c != '}' && c != ',';
}

Result<Reply> decode_strings(char cmd, std::string_view p, std::size_t min, std::size_t max) {
  auto parts = split_strings(p, min, max);
  if (!parts) return fail(Errc::bad_input, std::string("reply '") + cmd + "': " + parts.error().detail);
  Reply r;
  r.command = cmd;
  r.name = std::string((*parts)[0]);
  if (parts->size() > 1) {
    if (cmd == kRepAddHeader || cmd == kRepInsHeader || cmd == kRepChgHeader)
      r.value = std::string((*parts)[1]);
    else
      r.args = std::string((*parts)[1]);
  }
  return r;
}

Result<Reply> decode_reply_code(std::string_view p) {
  auto parts = split_exactly<1>(p);
  if (!parts) return fail(Errc::bad_input, "reply 'y': " + parts.error().detail);
  const std::string_view text = (*parts)[0];
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (text.size() < 3 || (text[0] != '4' && text[0] != '5') || !digit(text[1]) || !digit(text[2]) ||
      (text.size() > 3 && text[3] != ' ' && text[3] != '-'))
    return fail(Errc::bad_input, "reply 'y': not a 4xx/5xx SMTP reply");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\r' && c != '\n' && c != '\t')
      return fail(Errc::bad_input, "reply 'y': control byte in text");
  }
  Reply r;
  r.command = kRepReplyCode;
  r.value = std::string(text);
  return r;
}

void append_string(std::string& out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}

bool all_digits(std::string_view s, std::size_t min, std::size_t max) {
  if (s.size() < min || s.size() > max) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// Empty strings are kept.
Result<std::size_t> split_strings_into(std::string_view p, std::size_t min, std::span<std::string_view> out) {
  if (p.empty() || p.back() != '\0') return fail(Errc::bad_input, "string not NUL-terminated");
  std::size_t n = 0, start = 0;
  while (start < p.size()) {
    if (n == out.size()) return fail(Errc::bad_input, "more than " + std::to_string(out.size()) + " strings");
    const auto end = p.find('\0', start);
    out[n++] = p.substr(start, end - start);
    start = end + 1;
  }
  if (n < min) return fail(Errc::bad_input, "wrong number of strings: " + std::to_string(n));
  return n;
}

Result<std::vector<std::string_view>> split_strings(std::string_view p, std::size_t min, std::size_t max) {
  std::vector<std::string_view> out(std::min(max, static_cast<std::size_t>(std::count(p.begin(), p.end(), '\0'))));
  auto n = split_strings_into(p, min, out);
  if (!n) return Unexpected<Error>(n.error());
  out.resize(*n);
  return out;
}

void append_u32(std::string& out, std::uint32_t v) {
  out.push_back(static_cast<char>((v >> 24) & 0xff));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

std::string encode_packet(char command, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 5);
  append_u32(out, static_cast<std::uint32_t>(payload.size() + 1));
  out.push_back(command);
  out.append(payload);
  return out;
}

std::string nul_join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out.append(p);
    out.push_back('\0');
  }
  return out;
}

void PacketDecoder::compact() {
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > 64 * 1024) {
    buf_.erase(0, pos_);  // keep the buffer from growing with many small packets
    pos_ = 0;
  }
}

Result<std::optional<PacketView>> PacketDecoder::next_view() {
  compact();
  if (buffered() < 4) return std::optional<PacketView>();
  const std::uint32_t len = read_u32(buf_, pos_);
  if (len == 0 || len > kMaxPacketBytes)
    return fail(Errc::bad_input, "packet length " + std::to_string(len) + " out of range");
  if (buffered() - 4 < len) return std::optional<PacketView>();
  PacketView p;
  p.command = buf_[pos_ + 4];
  p.payload = std::string_view(buf_).substr(pos_ + 5, len - 1);
  pos_ += 4 + static_cast<std::size_t>(len);
  return std::optional<PacketView>(p);
}

Result<std::optional<Packet>> PacketDecoder::next() {
  auto v = next_view();
  if (!v) return Unexpected<Error>(v.error());
  if (!*v) return std::optional<Packet>();
  return std::optional<Packet>(Packet{(*v)->command, std::string((*v)->payload)});
}

Result<std::vector<std::string>> parse_macro_list(std::string_view list) {
  std::vector<std::string> names;
  std::size_t i = 0;
  while (i < list.size()) {
    const char c = list[i];
    if (c == ' ' || c == ',' || c == '\t') {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    if (c == '{') {
      end = list.find('}', i);
      if (end == std::string_view::npos) return fail(Errc::bad_input, "unterminated '{'");
      if (end == i + 1) return fail(Errc::bad_input, "empty macro name");
      for (std::size_t k = i + 1; k < end; ++k)
        if (!is_macro_char(list[k])) return fail(Errc::bad_input, "bad byte in macro name");
      ++end;
      if (end < list.size() && list[end] != ' ' && list[end] != ',' && list[end] != '\t')
        return fail(Errc::bad_input, "junk after '}'");
    } else if (!is_macro_char(c)) {
      return fail(Errc::bad_input, "bad byte in macro list");
    } else if (end < list.size() && is_macro_char(list[end])) {
      return fail(Errc::bad_input, "long macro names need braces");
    }
    if (end - i > kMaxMacroNameBytes) return fail(Errc::bad_input, "macro name too long");
    if (names.size() == kMaxMacroNames) return fail(Errc::bad_input, "too many macro names");
    names.emplace_back(list.substr(i, end - i));
    i = end;
  }
  return names;
}

Result<OptNeg> decode_optneg(std::string_view p) {
  if (p.size() < 12) return fail(Errc::bad_input, "OPTNEG shorter than 12 bytes");
  OptNeg o;
  o.version = read_u32(p, 0);
  o.actions = read_u32(p, 4);
  o.protocol = read_u32(p, 8);
  std::size_t at = 12;
  while (at < p.size()) {
    if (p.size() - at < 5) return fail(Errc::bad_input, "OPTNEG: truncated macro list");
    const std::uint32_t stage = read_u32(p, at);
    at += 4;
    const auto nul = p.find('\0', at);
    if (nul == std::string_view::npos) return fail(Errc::bad_input, "OPTNEG: list without NUL");
    if (stage >= kStageCount) return fail(Errc::bad_input, "OPTNEG: unknown macro stage");
    if (o.symlists[stage]) return fail(Errc::bad_input, "OPTNEG: duplicate macro stage");
    auto names = parse_macro_list(p.substr(at, nul - at));
    if (!names) return fail(Errc::bad_input, "OPTNEG: " + names.error().detail);
    o.symlists[stage] = std::move(*names);
    at = nul + 1;
  }
  return o;
}

std::string encode_optneg(const OptNeg& o) {
  std::string out;
  append_u32(out, o.version);
  append_u32(out, o.actions);
  append_u32(out, o.protocol);
  for (std::uint32_t stage = 0; stage < o.symlists.size(); ++stage) {
    if (!o.symlists[stage]) continue;
    append_u32(out, stage);
    std::string list;
    for (const auto& name : *o.symlists[stage]) list += (list.empty() ? "" : " ") + name;
    append_string(out, list);
  }
  return out;
}

bool Reply::is_final() const noexcept {
  switch (command) {
    case kRepAccept:
    case kRepContinue:
    case kRepDiscard:
    case kRepReject:
    case kRepTempfail:
    case kRepReplyCode:
    case kRepSkip:
    case kRepConnFail:
    case kRepShutdown: return true;
    default: return false;
  }
}

Result<Reply> decode_reply(const Packet& packet) {
  const std::string_view p = packet.payload;
  const char cmd = packet.command;
  switch (cmd) {
    case kRepAccept:
    case kRepContinue:
    case kRepDiscard:
    case kRepReject:
    case kRepTempfail:
    case kRepSkip:
    case kRepProgress:
    case kRepConnFail:
    case kRepShutdown: {
      if (!p.empty()) return fail(Errc::bad_input, std::string("reply '") + cmd + "' with payload");
      Reply r;
      r.command = cmd;
      return r;
    }
    case kRepReplyCode: return decode_reply_code(p);
    case kRepAddHeader: return decode_strings(cmd, p, 2, 2);
    case kRepInsHeader:
    case kRepChgHeader: {
      if (p.size() < 4) return fail(Errc::bad_input, std::string("reply '") + cmd + "' too short");
      auto r = decode_strings(cmd, p.substr(4), 2, 2);
      if (r) r->index = read_u32(p, 0);
      return r;
    }
    case kRepAddRcpt:
    case kRepDelRcpt:
    case kRepQuarantine: return decode_strings(cmd, p, 1, 1);
    case kRepAddRcptPar:
    case kRepChgFrom: return decode_strings(cmd, p, 1, 2);
    case kRepReplBody: {
      Reply r;
      r.command = cmd;
      r.body = std::string(p);
      return r;
    }
    default: return fail(Errc::bad_input, "unknown reply command " + std::to_string(static_cast<unsigned char>(cmd)));
  }
}

}  // namespace cachet::milter::wire

namespace cachet::milter::wire {

std::string encode_reply(const Reply& r) {
  std::string p;
  switch (r.command) {
    case kRepReplyCode: append_string(p, r.value); break;
    case kRepAddHeader:
      append_string(p, r.name);
      append_string(p, r.value);
      break;
    case kRepInsHeader:
    case kRepChgHeader:
      append_u32(p, r.index);
      append_string(p, r.name);
      append_string(p, r.value);
      break;
    case kRepAddRcpt:
    case kRepDelRcpt:
    case kRepQuarantine: append_string(p, r.name); break;
    case kRepAddRcptPar:
    case kRepChgFrom:
      append_string(p, r.name);
      if (!r.args.empty()) append_string(p, r.args);
      break;
    case kRepReplBody: p = r.body; break;
    default: break;  // the replies without payload
  }
  return encode_packet(r.command, p);
}

Result<std::string> format_reply_text(std::string_view code, std::string_view xcode, std::string_view text) {
  if (!all_digits(code, 3, 3) || (code[0] != '4' && code[0] != '5'))
    return fail(Errc::bad_input, "reply code is not 4xx or 5xx");
  if (!xcode.empty()) {
    const auto d1 = xcode.find('.'), d2 = xcode.find('.', d1 == std::string_view::npos ? d1 : d1 + 1);
    if (d1 != 1 || d2 == std::string_view::npos || xcode[0] != code[0] || !all_digits(xcode.substr(2, d2 - 2), 1, 3) ||
        !all_digits(xcode.substr(d2 + 1), 1, 3))
      return fail(Errc::bad_input, "enhanced code is not " + std::string(1, code[0]) + ".x.y");
  }
  if (text.size() > kMaxReplyText) return fail(Errc::bad_input, "reply text too long");
  // RFC 5321 s4.2 textstring: HT and printable bytes. CR/LF would let text forge reply
  // lines; other control bytes make decode_reply (and the MTA) refuse the whole reply.
  if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    return fail(Errc::bad_input, "reply text holds CR, LF or NUL");
  if (std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
      }))
    return fail(Errc::bad_input, "reply text holds a control byte");
  std::string out(code);
  for (const std::string_view part : {xcode, text})
    if (!part.empty()) out.append(" ").append(part);
  return out;
}

Result<Connect> decode_connect(std::string_view p) {
  const auto nul = p.find('\0');
  if (nul == std::string_view::npos || nul + 1 >= p.size()) return fail(Errc::bad_input, "CONNECT: no family");
  Connect c;
  c.hostname = std::string(p.substr(0, nul));
  c.family = p[nul + 1];
  const std::string_view rest = p.substr(nul + 2);
  if (c.family == 'U') {
    if (!rest.empty()) return fail(Errc::bad_input, "CONNECT: bytes after an unknown family");
    return c;
  }
  if (c.family != '4' && c.family != '6' && c.family != 'L') return fail(Errc::bad_input, "CONNECT: unknown family");
  if (rest.size() < 2) return fail(Errc::bad_input, "CONNECT: no port");
  c.port = static_cast<std::uint16_t>((static_cast<unsigned char>(rest[0]) << 8) | static_cast<unsigned char>(rest[1]));
  auto address = split_exactly<1>(rest.substr(2));
  if (!address) return fail(Errc::bad_input, "CONNECT address: " + address.error().detail);
  c.address = std::string((*address)[0]);
  return c;
}

Result<Macros> decode_macros(std::string_view p) {
  if (p.empty()) return fail(Errc::bad_input, "macros without a command");
  Macros m;
  m.command = p[0];
  if (p.size() == 1) return m;
  auto strings = split_strings(p.substr(1), 2, 2 * kMaxMacroPairs);
  if (!strings) return fail(Errc::bad_input, "macros: " + strings.error().detail);
  if (strings->size() % 2 != 0) return fail(Errc::bad_input, "macros: a name without a value");
  m.pairs.reserve(strings->size() / 2);
  for (std::size_t i = 0; i < strings->size(); i += 2) {
    if ((*strings)[i].empty()) return fail(Errc::bad_input, "macros: empty name");
    m.pairs.emplace_back(std::string((*strings)[i]), std::string((*strings)[i + 1]));
  }
  return m;
}

std::optional<Stage> macro_stage(char command) noexcept {
  switch (command) {
    case kCmdConnect: return Stage::connect;
    case kCmdHelo: return Stage::helo;
    case kCmdMail: return Stage::mail;
    case kCmdRcpt: return Stage::rcpt;
    case kCmdData: return Stage::data;
    case kCmdEom: return Stage::eom;
    case kCmdEoh: return Stage::eoh;
    default: return std::nullopt;
  }
}

}  // namespace cachet::milter::wire
