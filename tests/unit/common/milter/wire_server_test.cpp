// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/wire_server_test.cpp: the server side of common/milter/wire:
// what the MTA sends (split_strings, decode_connect, decode_macros, macro_stage) and what
// the filter answers (encode_optneg, encode_reply, format_reply_text), with the limits at
// max and max+1, malformed rows, and round trips through the client's decoders.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "common/milter/wire.hpp"

namespace {

using namespace cachet::milter::wire;
using S = std::string;
using namespace std::string_literals;

std::string u32(std::uint32_t v) {
  std::string s;
  append_u32(s, v);
  return s;
}

// n NUL-terminated strings "a0", "a1", ...
std::string strings(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "a" + std::to_string(i) + '\0';
  return s;
}

// ---- split_strings ----

struct SplitCase {
  const char* name;
  std::string payload;
  std::size_t min, max;
  bool want_ok;
  std::vector<std::string> want;
};
std::ostream& operator<<(std::ostream& os, const SplitCase& c) { return os << c.name; }
class SplitStrings : public ::testing::TestWithParam<SplitCase> {};
TEST_P(SplitStrings, SplitsOnlyNulTerminatedListsInRange) {
  const auto& c = GetParam();
  const auto got = split_strings(c.payload, c.min, c.max);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, cachet::Errc::bad_input) << c.name;
    return;
  }
  EXPECT_EQ(std::vector<std::string>(got->begin(), got->end()), c.want) << c.name;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, SplitStrings,
    ::testing::Values(SplitCase{"empty payload", "", 0, 4, false, {}},
                      SplitCase{"one string", "helo\0"s, 1, 1, true, {"helo"}},
                      SplitCase{"one empty string", "\0"s, 1, 1, true, {""}},
                      SplitCase{"empty strings kept", "a\0\0b\0"s, 1, 4, true, {"a", "", "b"}},
                      SplitCase{"missing final NUL", "helo", 1, 1, false, {}},
                      SplitCase{"junk after last NUL", "a\0b"s, 1, 2, false, {}},
                      SplitCase{"too few", "a\0"s, 2, 2, false, {}}, SplitCase{"too many", "a\0b\0"s, 1, 1, false, {}},
                      SplitCase{"8-bit kept", "\xc3\xa9\0"s, 1, 1, true, {"\xc3\xa9"}},
                      SplitCase{"header name and value", "Subject\0 hi\0"s, 2, 2, true, {"Subject", " hi"}}));

// split_exactly<N> is split_strings(p, N, N) without a vector: the same rows, the same
// verdicts and the same error text.
TEST_P(SplitStrings, ExactlyAgreesWithSplitStrings) {
  const auto& c = GetParam();
  const auto check = [&](auto got, std::size_t n) {
    const auto want = split_strings(c.payload, n, n);
    ASSERT_EQ(got.has_value(), want.has_value()) << c.name << " n=" << n;
    if (!want) {
      EXPECT_EQ(got.error().detail, want.error().detail) << c.name << " n=" << n;
      return;
    }
    EXPECT_EQ(std::vector<std::string_view>(got->begin(), got->end()), *want) << c.name << " n=" << n;
  };
  check(split_exactly<1>(c.payload), 1);
  check(split_exactly<2>(c.payload), 2);
}

TEST(SplitStrings, ArgvAtKMaxArgsAndOneMore) {
  const std::string at_limit = strings(kMaxArgs), above = strings(kMaxArgs + 1);  // the views point into these
  const auto at = split_strings(at_limit, 1, kMaxArgs);
  ASSERT_TRUE(at) << at.error().detail;
  EXPECT_EQ(at->size(), kMaxArgs);
  EXPECT_EQ(at->back(), "a" + std::to_string(kMaxArgs - 1));
  const auto over = split_strings(above, 1, kMaxArgs);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, cachet::Errc::bad_input);
}

// ---- decode_connect ----

struct ConnectCase {
  const char* name;
  std::string payload;
  bool want_ok;
  Connect want;
};
std::ostream& operator<<(std::ostream& os, const ConnectCase& c) { return os << c.name; }
class DecodeConnect : public ::testing::TestWithParam<ConnectCase> {};
TEST_P(DecodeConnect, ReadsHostFamilyPortAddress) {
  const auto& c = GetParam();
  const auto got = decode_connect(c.payload);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, cachet::Errc::bad_input) << c.name;
    return;
  }
  EXPECT_EQ(got->hostname, c.want.hostname) << c.name;
  EXPECT_EQ(got->family, c.want.family) << c.name;
  EXPECT_EQ(got->port, c.want.port) << c.name;
  EXPECT_EQ(got->address, c.want.address) << c.name;
}
INSTANTIATE_TEST_SUITE_P(Rows, DecodeConnect,
                         ::testing::Values(ConnectCase{"ipv4",
                                                       "mx.example\0"
                                                       "4\xd4\x31"
                                                       "192.0.2.1\0"s,
                                                       true,
                                                       {"mx.example", '4', 54321, "192.0.2.1"}},
                                           ConnectCase{"ipv6",
                                                       "[2001:db8::1]\0"
                                                       "6\x00\x19"
                                                       "2001:db8::1\0"s,
                                                       true,
                                                       {"[2001:db8::1]", '6', 25, "2001:db8::1"}},
                                           ConnectCase{"unix",
                                                       "localhost\0"
                                                       "L\x00\x00"
                                                       "/run/s\0"s,
                                                       true,
                                                       {"localhost", 'L', 0, "/run/s"}},
                                           ConnectCase{"port 65535",
                                                       "h\0"
                                                       "4\xff\xff"
                                                       "1.2.3.4\0"s,
                                                       true,
                                                       {"h", '4', 65535, "1.2.3.4"}},
                                           ConnectCase{"unknown family", "h\0U"s, true, {"h", 'U', 0, ""}},
                                           ConnectCase{"empty hostname", "\0U"s, true, {"", 'U', 0, ""}},
                                           ConnectCase{"empty address",
                                                       "h\0"
                                                       "4\x00\x19\0"s,
                                                       true,
                                                       {"h", '4', 25, ""}},
                                           ConnectCase{"empty payload", "", false, {}},
                                           ConnectCase{"hostname without NUL", "mx.example", false, {}},
                                           ConnectCase{"no family", "h\0"s, false, {}},
                                           ConnectCase{"unknown family byte",
                                                       "h\0"
                                                       "X\x00\x19"
                                                       "1.2.3.4\0"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"NUL family",
                                                       "h\0\0\x00\x19"
                                                       "1.2.3.4\0"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"bytes after U", "h\0Ux"s, false, {}},
                                           ConnectCase{"NUL after U", "h\0U\0"s, false, {}},
                                           ConnectCase{"no port",
                                                       "h\0"
                                                       "4"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"truncated port",
                                                       "h\0"
                                                       "4\x01"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"port without address",
                                                       "h\0"
                                                       "4\x00\x19"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"address without NUL",
                                                       "h\0"
                                                       "4\x00\x19"
                                                       "1.2.3.4"s,
                                                       false,
                                                       {}},
                                           ConnectCase{"junk after address",
                                                       "h\0"
                                                       "4\x00\x19"
                                                       "1.2.3.4\0x\0"s,
                                                       false,
                                                       {}}));

// ---- decode_macros / macro_stage ----

struct MacrosCase {
  const char* name;
  std::string payload;
  bool want_ok;
  char want_command;
  std::vector<std::pair<std::string, std::string>> want;
};
std::ostream& operator<<(std::ostream& os, const MacrosCase& c) { return os << c.name; }
class DecodeMacros : public ::testing::TestWithParam<MacrosCase> {};
TEST_P(DecodeMacros, ReadsCommandAndPairs) {
  const auto& c = GetParam();
  const auto got = decode_macros(c.payload);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, cachet::Errc::bad_input) << c.name;
    return;
  }
  EXPECT_EQ(got->command, c.want_command) << c.name;
  EXPECT_EQ(got->pairs, c.want) << c.name;
}
INSTANTIATE_TEST_SUITE_P(Rows, DecodeMacros,
                         ::testing::Values(MacrosCase{"empty payload", "", false, 0, {}},
                                           MacrosCase{"command only", "M", true, 'M', {}},
                                           MacrosCase{"one pair", "Mi\0QID\0"s, true, 'M', {{"i", "QID"}}},
                                           MacrosCase{"braced names and empty value",
                                                      "C{daemon_name}\0smtpd\0j\0\0"s,
                                                      true,
                                                      'C',
                                                      {{"{daemon_name}", "smtpd"}, {"j", ""}}},
                                           MacrosCase{"name without value", "Mi\0"s, false, 0, {}},
                                           MacrosCase{"odd strings", "Mi\0v\0j\0"s, false, 0, {}},
                                           MacrosCase{"missing final NUL", "Mi\0v"s, false, 0, {}},
                                           MacrosCase{"empty name", "M\0v\0"s, false, 0, {}},
                                           MacrosCase{"empty name second pair", "Mi\0v\0\0w\0"s, false, 0, {}},
                                           MacrosCase{"unknown command kept", "Zi\0v\0"s, true, 'Z', {{"i", "v"}}}));

std::string macro_pairs(std::size_t n) {
  std::string s = "M";
  for (std::size_t i = 0; i < n; ++i) s += "{m" + std::to_string(i) + "}" + '\0' + "v" + '\0';
  return s;
}

TEST(DecodeMacros, AtKMaxMacroPairsAndOneMore) {
  const auto at = decode_macros(macro_pairs(kMaxMacroPairs));
  ASSERT_TRUE(at) << at.error().detail;
  EXPECT_EQ(at->pairs.size(), kMaxMacroPairs);
  EXPECT_EQ(at->pairs.back().first, "{m" + std::to_string(kMaxMacroPairs - 1) + "}");
  const auto over = decode_macros(macro_pairs(kMaxMacroPairs + 1));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, cachet::Errc::bad_input);
}

TEST(MacroStage, MapsEveryCommandWithMacros) {
  EXPECT_EQ(macro_stage(kCmdConnect), Stage::connect);
  EXPECT_EQ(macro_stage(kCmdHelo), Stage::helo);
  EXPECT_EQ(macro_stage(kCmdMail), Stage::mail);
  EXPECT_EQ(macro_stage(kCmdRcpt), Stage::rcpt);
  EXPECT_EQ(macro_stage(kCmdData), Stage::data);
  EXPECT_EQ(macro_stage(kCmdEoh), Stage::eoh);
  EXPECT_EQ(macro_stage(kCmdEom), Stage::eom);
  for (const char c : {kCmdAbort, kCmdBody, kCmdHeader, kCmdOptneg, kCmdQuit, kCmdQuitNc, kCmdUnknown, kCmdMacro, '\0'})
    EXPECT_FALSE(macro_stage(c)) << c;
}

// ---- format_reply_text ----

struct ReplyTextCase {
  const char* name;
  std::string code, xcode, text;
  bool want_ok;
  std::string want;
};
std::ostream& operator<<(std::ostream& os, const ReplyTextCase& c) { return os << c.name; }
class FormatReplyText : public ::testing::TestWithParam<ReplyTextCase> {};
TEST_P(FormatReplyText, BuildsOnlyValidReplies) {
  const auto& c = GetParam();
  const auto got = format_reply_text(c.code, c.xcode, c.text);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? *got : got.error().detail);
  if (!got) {
    EXPECT_EQ(got.error().code, cachet::Errc::bad_input) << c.name;
    return;
  }
  EXPECT_EQ(*got, c.want) << c.name;
  // What we build, the client's decoder (and Postfix's checks it mirrors) accept.
  const auto back = decode_reply(Packet{kRepReplyCode, *got + '\0'});
  ASSERT_TRUE(back) << c.name << ": " << back.error().detail;
  EXPECT_EQ(back->value, *got) << c.name;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, FormatReplyText,
    ::testing::Values(ReplyTextCase{"full", "550", "5.7.1", "text", true, "550 5.7.1 text"},
                      ReplyTextCase{"tempfail", "451", "4.7.1", "try later", true, "451 4.7.1 try later"},
                      ReplyTextCase{"code only", "550", "", "", true, "550"},
                      ReplyTextCase{"no xcode", "554", "", "no", true, "554 no"},
                      ReplyTextCase{"no text", "550", "5.7.1", "", true, "550 5.7.1"},
                      ReplyTextCase{"three-digit parts", "550", "5.123.456", "x", true, "550 5.123.456 x"},
                      ReplyTextCase{"tab in text", "550", "", "a\tb", true, "550 a\tb"},
                      ReplyTextCase{"text at limit", "550", "5.7.1", S(kMaxReplyText, 'x'), true,
                                    "550 5.7.1 " + S(kMaxReplyText, 'x')},
                      ReplyTextCase{"text limit+1", "550", "5.7.1", S(kMaxReplyText + 1, 'x'), false, ""},
                      ReplyTextCase{"class mismatch", "450", "5.7.1", "x", false, ""},
                      ReplyTextCase{"2xx code", "250", "", "ok", false, ""},
                      ReplyTextCase{"3xx code", "354", "", "go", false, ""},
                      ReplyTextCase{"empty code", "", "", "x", false, ""},
                      ReplyTextCase{"short code", "55", "", "x", false, ""},
                      ReplyTextCase{"long code", "5500", "", "x", false, ""},
                      ReplyTextCase{"code not digits", "5x0", "", "x", false, ""},
                      ReplyTextCase{"xcode two parts", "550", "5.7", "x", false, ""},
                      ReplyTextCase{"xcode part of four digits", "550", "5.1234.1", "x", false, ""},
                      ReplyTextCase{"xcode last part of four digits", "550", "5.1.1234", "x", false, ""},
                      ReplyTextCase{"xcode four parts", "550", "5.7.1.1", "x", false, ""},
                      ReplyTextCase{"xcode empty part", "550", "5..1", "x", false, ""},
                      ReplyTextCase{"xcode trailing dot", "550", "5.7.", "x", false, ""},
                      ReplyTextCase{"xcode two-digit class", "550", "55.7.1", "x", false, ""},
                      ReplyTextCase{"xcode letters", "550", "5.a.1", "x", false, ""},
                      ReplyTextCase{"xcode with space", "550", "5.7.1 ", "x", false, ""},
                      ReplyTextCase{"CR in text", "550", "5.7.1", "a\rb", false, ""},
                      ReplyTextCase{"LF in text", "550", "5.7.1", "a\nb", false, ""},
                      ReplyTextCase{"CRLF injection", "550", "5.7.1", "a\r\n250 ok", false, ""},
                      ReplyTextCase{"NUL in text", "550", "5.7.1", "a\0b"s, false, ""},
                      ReplyTextCase{"control byte in text", "550", "5.7.1",
                                    "a\x01"
                                    "b",
                                    false, ""},
                      ReplyTextCase{"escape in text", "550", "5.7.1", "a\x1b[0m", false, ""},
                      ReplyTextCase{"DEL in text", "550", "5.7.1", "a\x7f", false, ""}));

// ---- encode_optneg round trip ----

TEST(EncodeOptneg, RoundTripsThroughDecodeOptneg) {
  OptNeg none;
  none.version = 6;
  none.actions = kActAddHdrs | kActQuarantine;
  none.protocol = kNoRcpt | kNrHdr | kHdrLeadSpc;
  OptNeg lists = none;
  lists.actions |= kActSetSymList;
  lists.symlists[static_cast<std::size_t>(Stage::connect)] = std::vector<std::string>{"j", "{daemon_name}"};
  lists.symlists[static_cast<std::size_t>(Stage::mail)] =
      std::vector<std::string>{"i", "{auth_type}", "{auth_authen}", "{mail_addr}"};
  lists.symlists[static_cast<std::size_t>(Stage::eoh)] = std::vector<std::string>{};  // asked for none
  OptNeg every = none;
  for (std::uint32_t s = 0; s < kStageCount; ++s)
    every.symlists[s] = std::vector<std::string>{"{s" + std::to_string(s) + "}"};
  OptNeg max_values;
  max_values.version = 0xffffffffu;
  max_values.actions = 0xffffffffu;
  max_values.protocol = 0xffffffffu;
  for (const OptNeg& o : {none, lists, every, max_values}) {
    const std::string payload = encode_optneg(o);
    const auto back = decode_optneg(payload);
    ASSERT_TRUE(back) << back.error().detail;
    EXPECT_EQ(back->version, o.version);
    EXPECT_EQ(back->actions, o.actions);
    EXPECT_EQ(back->protocol, o.protocol);
    EXPECT_EQ(back->symlists, o.symlists);
  }
  EXPECT_EQ(encode_optneg(none), u32(6) + u32(none.actions) + u32(none.protocol));
  EXPECT_EQ(encode_optneg(lists).substr(12, 4 + 16), u32(0) + "j {daemon_name}\0"s);
}

// ---- encode_reply round trip ----

Reply make(char command, std::string name = {}, std::string value = {}, std::uint32_t index = 0, std::string args = {},
           std::string body = {}) {
  Reply r;
  r.command = command;
  r.name = std::move(name);
  r.value = std::move(value);
  r.index = index;
  r.args = std::move(args);
  r.body = std::move(body);
  return r;
}

struct RoundTripCase {
  const char* name;
  Reply reply;
};
std::ostream& operator<<(std::ostream& os, const RoundTripCase& c) { return os << c.name; }
class EncodeReply : public ::testing::TestWithParam<RoundTripCase> {};
TEST_P(EncodeReply, DecodeReadsBackTheSameReply) {
  const auto& c = GetParam();
  const std::string framed = encode_reply(c.reply);
  PacketDecoder d;
  d.feed(framed);
  auto packet = d.next();
  ASSERT_TRUE(packet && *packet) << c.name;
  EXPECT_EQ(d.buffered(), 0u) << c.name;
  const auto got = decode_reply(**packet);
  ASSERT_TRUE(got) << c.name << ": " << got.error().detail;
  EXPECT_EQ(got->command, c.reply.command) << c.name;
  EXPECT_EQ(got->name, c.reply.name) << c.name;
  EXPECT_EQ(got->value, c.reply.value) << c.name;
  EXPECT_EQ(got->index, c.reply.index) << c.name;
  EXPECT_EQ(got->args, c.reply.args) << c.name;
  EXPECT_EQ(got->body, c.reply.body) << c.name;
  EXPECT_EQ(got->is_final(), c.reply.is_final()) << c.name;
}
INSTANTIATE_TEST_SUITE_P(
    EveryCommand, EncodeReply,
    ::testing::Values(RoundTripCase{"accept", make(kRepAccept)}, RoundTripCase{"continue", make(kRepContinue)},
                      RoundTripCase{"discard", make(kRepDiscard)}, RoundTripCase{"reject", make(kRepReject)},
                      RoundTripCase{"tempfail", make(kRepTempfail)}, RoundTripCase{"skip", make(kRepSkip)},
                      RoundTripCase{"progress", make(kRepProgress)}, RoundTripCase{"conn fail", make(kRepConnFail)},
                      RoundTripCase{"shutdown", make(kRepShutdown)},
                      RoundTripCase{"reply code", make(kRepReplyCode, "", "550 5.7.1 text")},
                      RoundTripCase{"reply code only", make(kRepReplyCode, "", "421")},
                      RoundTripCase{"add header", make(kRepAddHeader, "X-A", " v")},
                      RoundTripCase{"add header empty value", make(kRepAddHeader, "X-A", "")},
                      RoundTripCase{"insert header", make(kRepInsHeader, "Authentication-Results", " mx; none", 0)},
                      RoundTripCase{"insert header max index", make(kRepInsHeader, "X", "v", 0xffffffffu)},
                      RoundTripCase{"change header", make(kRepChgHeader, "Subject", "new", 2)},
                      RoundTripCase{"delete header", make(kRepChgHeader, "DKIM-Signature", "", 1)},
                      RoundTripCase{"add rcpt", make(kRepAddRcpt, "<a@example.com>")},
                      RoundTripCase{"del rcpt", make(kRepDelRcpt, "<a@example.com>")},
                      RoundTripCase{"quarantine", make(kRepQuarantine, "dmarc policy")},
                      RoundTripCase{"add rcpt par", make(kRepAddRcptPar, "<a@example.com>", "", 0, "NOTIFY=NEVER")},
                      RoundTripCase{"add rcpt par no args", make(kRepAddRcptPar, "<a@example.com>")},
                      RoundTripCase{"change from", make(kRepChgFrom, "<b@example.org>", "", 0, "SIZE=10")},
                      RoundTripCase{"change from no args", make(kRepChgFrom, "<>")},
                      RoundTripCase{"replace body", make(kRepReplBody, "", "", 0, "", "line\r\n\0\xff"s)},
                      RoundTripCase{"replace body empty", make(kRepReplBody)},
                      RoundTripCase{"replace body max chunk",
                                    make(kRepReplBody, "", "", 0, "", S(kMaxBodyChunk, 'b'))}));

TEST(EncodeReply, FramesLikeEncodePacket) {
  EXPECT_EQ(encode_reply(make(kRepContinue)), encode_packet(kRepContinue, ""));
  EXPECT_EQ(encode_reply(make(kRepChgHeader, "Subject", "x", 3)),
            encode_packet(kRepChgHeader, u32(3) + "Subject\0x\0"s));
  EXPECT_EQ(encode_reply(make(kRepAddRcptPar, "<a>")), encode_packet(kRepAddRcptPar, "<a>\0"s));
}

}  // namespace
