// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/wire_test.cpp: framing, reply and OPTNEG decoding, macro lists.
#include "common/milter/wire.hpp"

#include <gtest/gtest.h>

namespace {

using namespace cachet::milter::wire;

std::string u32(std::uint32_t v) {
  std::string s;
  append_u32(s, v);
  return s;
}

TEST(PacketDecoder, SplitsPacketsAcrossArbitraryFeeds) {
  const std::string stream = encode_packet('c', "") + encode_packet('h', std::string("A\0b\0", 4));
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    PacketDecoder d;
    d.feed(stream.substr(0, cut));
    std::vector<Packet> got;
    for (;;) {
      auto p = d.next();
      ASSERT_TRUE(p) << p.error().detail;
      if (!*p) break;
      got.push_back(**p);
    }
    d.feed(stream.substr(cut));
    for (;;) {
      auto p = d.next();
      ASSERT_TRUE(p);
      if (!*p) break;
      got.push_back(**p);
    }
    ASSERT_EQ(got.size(), 2u) << "cut " << cut;
    EXPECT_EQ(got[0].command, 'c');
    EXPECT_EQ(got[1].payload, std::string("A\0b\0", 4));
    EXPECT_EQ(d.buffered(), 0u);
  }
}

// The server's path: views into the buffer, each read while it is handled, give every
// packet's own bytes across feeds that cut packets and past the 64 KiB compaction; next()
// copies the same.
TEST(PacketDecoder, ViewsGiveEachPacketAcrossFeedsAndCompaction) {
  auto payload = [](int i) { return "X-Header-" + std::to_string(i) + std::string("\0v\0", 3); };
  std::string stream;
  for (int i = 0; i < 3000; ++i) stream += encode_packet('L', payload(i));
  PacketDecoder views, copies;
  int seen = 0;
  for (std::size_t at = 0; at < stream.size(); at += 997) {
    views.feed(stream.substr(at, 997));
    copies.feed(stream.substr(at, 997));
    for (;;) {
      auto v = views.next_view();
      auto c = copies.next();
      ASSERT_TRUE(v && c);
      ASSERT_EQ(v->has_value(), c->has_value());
      if (!*v) break;
      EXPECT_EQ((*v)->command, 'L');
      EXPECT_EQ((*v)->payload, payload(seen)) << seen;
      EXPECT_EQ((*c)->payload, payload(seen)) << seen;
      ++seen;
    }
  }
  EXPECT_EQ(seen, 3000);
  EXPECT_EQ(views.buffered(), 0u);
}

struct LengthCase {
  const char* name;
  std::uint32_t length;
  bool want_ok;
};
class PacketLength : public ::testing::TestWithParam<LengthCase> {};
TEST_P(PacketLength, EnforcesLimits) {
  const auto& c = GetParam();
  PacketDecoder d;
  d.feed(u32(c.length));
  auto got = d.next();
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name;
}
INSTANTIATE_TEST_SUITE_P(Limits, PacketLength,
                         ::testing::Values(LengthCase{"zero", 0, false}, LengthCase{"one (command only)", 1, true},
                                           LengthCase{"at limit", kMaxPacketBytes, true},
                                           LengthCase{"limit+1", kMaxPacketBytes + 1, false},
                                           LengthCase{"huge", 0xffffffffu, false}));

struct ReplyCase {
  const char* name;
  char command;
  std::string payload;
  bool want_ok;
};
class DecodeReply : public ::testing::TestWithParam<ReplyCase> {};
TEST_P(DecodeReply, AcceptsOnlyWellFormedReplies) {
  const auto& c = GetParam();
  auto got = decode_reply(Packet{c.command, c.payload});
  EXPECT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
}
using S = std::string;
INSTANTIATE_TEST_SUITE_P(
    Replies, DecodeReply,
    ::testing::Values(
        ReplyCase{"continue", 'c', "", true}, ReplyCase{"continue with payload", 'c', "x", false},
        ReplyCase{"progress", 'p', "", true}, ReplyCase{"custom reply", 'y', S("550 5.7.1 no\0", 13), true},
        ReplyCase{"custom reply code only", 'y', S("451\0", 4), true},
        ReplyCase{"custom multiline", 'y', S("550-5.7.1 a\r\n550 5.7.1 b\0", 25), true},
        ReplyCase{"custom 2xx", 'y', S("250 ok\0", 7), false},
        ReplyCase{"custom not digits", 'y', S("5x0 no\0", 7), false}, ReplyCase{"custom no NUL", 'y', "550 no", false},
        ReplyCase{"custom NUL inside", 'y', S("550 a\0b\0", 8), false},
        ReplyCase{"custom control byte", 'y', S("550 a\x01\0", 7), false},
        ReplyCase{"custom empty", 'y', S("\0", 1), false}, ReplyCase{"add header", 'h', S("X-A\0v\0", 6), true},
        ReplyCase{"add header empty value", 'h', S("X-A\0\0", 5), true},
        ReplyCase{"add header one string", 'h', S("X-A\0", 4), false},
        ReplyCase{"add header three strings", 'h', S("a\0b\0c\0", 6), false},
        ReplyCase{"add header 8-bit", 'h', S("X-A\0\xc3\xa9\0", 7), true},
        ReplyCase{"insert header", 'i', u32(0) + S("X\0v\0", 4), true},
        ReplyCase{"insert header short", 'i', S("\0\0\0", 3), false},
        ReplyCase{"change header delete", 'm', u32(1) + S("Subject\0\0", 9), true},
        ReplyCase{"quarantine", 'q', S("why\0", 4), true}, ReplyCase{"add rcpt", '+', S("<a@b>\0", 6), true},
        ReplyCase{"add rcpt par no args", '2', S("<a@b>\0", 6), true},
        ReplyCase{"add rcpt par args", '2', S("<a@b>\0NOTIFY=NEVER\0", 19), true},
        ReplyCase{"chgfrom three", 'e', S("a\0b\0c\0", 6), false},
        ReplyCase{"replace body any bytes", 'b', S("\0\xff", 2), true},
        ReplyCase{"empty payload where string needed", 'q', "", false}, ReplyCase{"unknown command", 'Z', "", false},
        ReplyCase{"optneg is not a reply", 'O', "", false}));

TEST(DecodeReply, FieldsOfChangeHeader) {
  auto r = decode_reply(Packet{'m', u32(2) + S("Subject\0new\0", 12)});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->index, 2u);
  EXPECT_EQ(r->name, "Subject");
  EXPECT_EQ(r->value, "new");
  EXPECT_FALSE(r->is_final());
  EXPECT_TRUE(decode_reply(Packet{'a', ""})->is_final());
}

TEST(DecodeOptneg, ReadsFlagsAndMacroLists) {
  const S p = u32(6) + u32(0x21) + u32(0x710) + u32(2) + S("i {auth_authen}\0", 16) + u32(0) + S("j\0", 2);
  auto o = decode_optneg(p);
  ASSERT_TRUE(o) << o.error().detail;
  EXPECT_EQ(o->version, 6u);
  EXPECT_EQ(o->actions, 0x21u);
  EXPECT_EQ(o->protocol, 0x710u);
  ASSERT_TRUE(o->symlists[2]);
  EXPECT_EQ(*o->symlists[2], (std::vector<std::string>{"i", "{auth_authen}"}));
  EXPECT_EQ(*o->symlists[0], std::vector<std::string>{"j"});
  EXPECT_FALSE(o->symlists[1]);
}

struct OptnegCase {
  const char* name;
  std::string payload;
  bool want_ok;
};
class DecodeOptnegRows : public ::testing::TestWithParam<OptnegCase> {};
TEST_P(DecodeOptnegRows, RejectsMalformed) {
  const auto& c = GetParam();
  EXPECT_EQ(decode_optneg(c.payload).has_value(), c.want_ok) << c.name;
}
INSTANTIATE_TEST_SUITE_P(Rows, DecodeOptnegRows,
                         ::testing::Values(OptnegCase{"empty", "", false}, OptnegCase{"11 bytes", S(11, '\0'), false},
                                           OptnegCase{"minimal", S(12, '\0'), true},
                                           OptnegCase{"truncated list", S(12, '\0') + u32(1), false},
                                           OptnegCase{"list without NUL", S(12, '\0') + u32(1) + "i", false},
                                           OptnegCase{"unknown stage", S(12, '\0') + u32(7) + S("i\0", 2), false},
                                           OptnegCase{"duplicate stage",
                                                      S(12, '\0') + u32(1) + S("i\0", 2) + u32(1) + S("j\0", 2), false},
                                           OptnegCase{"bad list", S(12, '\0') + u32(1) + S("{i\0", 3), false}));

struct MacroCase {
  const char* name;
  std::string input;
  bool want_ok;
  std::size_t want_count;
};
class MacroList : public ::testing::TestWithParam<MacroCase> {};
TEST_P(MacroList, ParsesNames) {
  const auto& c = GetParam();
  auto got = parse_macro_list(c.input);
  ASSERT_EQ(got.has_value(), c.want_ok) << c.name << ": " << (got ? "" : got.error().detail);
  if (got) {
    EXPECT_EQ(got->size(), c.want_count) << c.name;
  }
}
std::string many_names(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += "{m" + std::to_string(i) + "} ";
  return s;
}
INSTANTIATE_TEST_SUITE_P(
    Rows, MacroList,
    ::testing::Values(MacroCase{"empty", "", true, 0}, MacroCase{"spaces only", "   ", true, 0},
                      MacroCase{"one char", "i", true, 1},
                      MacroCase{"postfix mail list", "i {auth_type} {auth_authen} {auth_author}", true, 4},
                      MacroCase{"commas", "i,{auth_authen}", true, 2},
                      MacroCase{"bare long name", "daemon_name", false, 0},
                      MacroCase{"unterminated brace", "{auth", false, 0}, MacroCase{"empty braces", "{}", false, 0},
                      MacroCase{"junk after brace", "{a}b", false, 0}, MacroCase{"NUL byte", S("i\0", 2), false, 0},
                      MacroCase{"8-bit byte", "\xc3", false, 0},
                      MacroCase{"at name limit", "{" + S(kMaxMacroNameBytes - 2, 'a') + "}", true, 1},
                      MacroCase{"name limit+1", "{" + S(kMaxMacroNameBytes - 1, 'a') + "}", false, 0},
                      MacroCase{"at count limit", many_names(kMaxMacroNames), true, kMaxMacroNames},
                      MacroCase{"count limit+1", many_names(kMaxMacroNames + 1), false, 0}));

}  // namespace
