// SPDX-License-Identifier: BSD-2-Clause
// tests/unit/common/milter/connection_test.cpp: common/milter/connection without sockets.
// A scripted Session records its hook calls and answers configured verdicts; the MTA's
// bytes are built with wire::encode_packet (as Postfix frames them) and what Connection
// appends to `out` is read back with PacketDecoder + decode_reply / decode_optneg.
#include "common/milter/connection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/log/logger.hpp"

namespace {

using namespace cachet::milter;
using cachet::Errc;
using namespace std::string_literals;
namespace w = cachet::milter::wire;

std::string u32(std::uint32_t v) {
  std::string s;
  w::append_u32(s, v);
  return s;
}

// ---- The MTA's packets ----

std::string optneg(std::uint32_t version = 6, std::uint32_t actions = w::kActAll,
                   std::uint32_t protocol = w::kProtoAll) {
  return w::encode_packet(w::kCmdOptneg, u32(version) + u32(actions) + u32(protocol));
}
std::string connect(std::string host = "client.example", std::string addr = "192.0.2.1") {
  return w::encode_packet(w::kCmdConnect, host + '\0' + "4\xd4\x31"s + addr + '\0');
}
std::string helo(const std::string& name = "client.example") { return w::encode_packet(w::kCmdHelo, name + '\0'); }
std::string mail(const std::vector<std::string>& args = {"<s@example.org>"}) {
  return w::encode_packet(w::kCmdMail, w::nul_join(args));
}
std::string rcpt(const std::string& to = "<r@example.com>") { return w::encode_packet(w::kCmdRcpt, to + '\0'); }
std::string data() { return w::encode_packet(w::kCmdData, ""); }
std::string header(const std::string& n, const std::string& v) {
  return w::encode_packet(w::kCmdHeader, n + '\0' + v + '\0');
}
std::string eoh() { return w::encode_packet(w::kCmdEoh, ""); }
std::string body(const std::string& chunk) { return w::encode_packet(w::kCmdBody, chunk); }
std::string eom() { return w::encode_packet(w::kCmdEom, ""); }
std::string abort_message() { return w::encode_packet(w::kCmdAbort, ""); }
std::string quit() { return w::encode_packet(w::kCmdQuit, ""); }
std::string quit_nc() { return w::encode_packet(w::kCmdQuitNc, ""); }
std::string unknown(const std::string& cmd = "XYZZY") { return w::encode_packet(w::kCmdUnknown, cmd + '\0'); }
std::string macros(char command, const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string p(1, command);
  for (const auto& [n, v] : pairs) p += n + '\0' + v + '\0';
  return w::encode_packet(w::kCmdMacro, p);
}
// A whole Postfix-like message after negotiation and connect.
std::string message() {
  return macros('M', {{"i", "QID1"}}) + mail() + rcpt() + data() + header("From", "a@example.org") +
         header("Subject", "hi") + eoh() + body("line\r\n") + eom();
}

// ---- The scripted Session ----

struct Script {
  std::vector<std::string> calls;             // "envfrom <s@example.org>", "eom", "close", ...
  std::map<std::string, Verdict> verdicts;    // by hook name; continue when absent
  std::map<std::string, std::string> throws;  // hook name -> what() of the exception thrown
  std::vector<std::string> probes;            // macro names looked up at each hook
  std::vector<std::string> seen;              // "hook name=value" or "hook name=-"
  std::function<void(Context&)> at_eom;       // modifications
  std::function<void(Context&)> at_header;    // anything tried at a header step
  int sessions_made = 0;
  bool factory_fails = false;
  std::vector<ConnInfo> infos;
};

class ScriptedSession final : public Session {
 public:
  ScriptedSession(Script& s, int id) : s_(s), id_(id) {}
  Verdict on_connect(Context& c, const ConnInfo& ci) override { return hook(c, "connect", ci.hostname); }
  Verdict on_helo(Context& c, std::string_view h) override { return hook(c, "helo", h); }
  Verdict on_envfrom(Context& c, const std::vector<std::string_view>& a) override {
    return hook(c, "envfrom", join(a));
  }
  Verdict on_envrcpt(Context& c, const std::vector<std::string_view>& a) override {
    return hook(c, "envrcpt", join(a));
  }
  Verdict on_data(Context& c) override { return hook(c, "data", {}); }
  Verdict on_header(Context& c, std::string_view n, std::string_view v) override {
    if (s_.at_header) s_.at_header(c);
    return hook(c, "header", std::string(n) + ":" + std::string(v));
  }
  Verdict on_eoh(Context& c) override { return hook(c, "eoh", {}); }
  Verdict on_body(Context& c, std::string_view chunk) override { return hook(c, "body", chunk); }
  Verdict on_eom(Context& c) override {
    Verdict v = hook(c, "eom", {});
    if (s_.at_eom) s_.at_eom(c);
    return v;
  }
  void on_abort(Context& c) override { (void)hook(c, "abort", {}); }
  void on_close(Context& c) override { (void)hook(c, "close", std::to_string(id_)); }

 private:
  static std::string join(const std::vector<std::string_view>& a) {
    std::string out;
    for (const auto& s : a) out += (out.empty() ? "" : " ") + std::string(s);
    return out;
  }
  Verdict hook(Context& c, const std::string& name, std::string_view arg) {
    s_.calls.push_back(arg.empty() ? name : name + " " + std::string(arg));
    for (const auto& p : s_.probes) s_.seen.push_back(name + " " + p + "=" + c.macro(p).value_or("-"));
    if (auto t = s_.throws.find(name); t != s_.throws.end()) {
      if (t->second.empty()) throw 42;  // not a std::exception
      throw std::runtime_error(t->second);
    }
    if (auto v = s_.verdicts.find(name); v != s_.verdicts.end()) return v->second;
    return Verdict::cont();
  }
  Script& s_;
  int id_;
};

Steps all_steps() {
  Steps s;
  s.connect = s.helo = s.envfrom = s.envrcpt = s.data = s.headers = s.eoh = s.body = s.unknown = true;
  return s;
}

MilterSpec spec_all_steps() {
  MilterSpec s;
  s.steps = all_steps();
  return s;
}

MilterSpec spec_no_reply(std::uint32_t no_reply) {
  MilterSpec s = spec_all_steps();
  s.no_reply = no_reply;
  return s;
}

// One Connection with its Script, logger and what went through send_now.
class Harness {
 public:
  explicit Harness(MilterSpec spec) {
    shared_.spec = std::move(spec);
    shared_.logger = &logger;
    shared_.factory = [this](const ConnInfo& ci) -> std::unique_ptr<Session> {
      script.infos.push_back(ci);
      if (script.factory_fails) return nullptr;
      return std::make_unique<ScriptedSession>(script, ++script.sessions_made);
    };
    conn = std::make_unique<Connection>(shared_, [this](std::string_view b) {
      sent_now += b;
      return send_ok;
    });
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  // Feeds bytes; raw output bytes in `out`; `ok` is receive()'s answer.
  std::string feed(const std::string& bytes) {
    std::string out;
    ok = conn->receive(bytes, out);
    return out;
  }
  // Feeds bytes and decodes what came back (an 'O' answer is a Reply with only its command).
  std::vector<w::Reply> send(const std::string& bytes) { return decode(feed(bytes)); }
  // Negotiates with a Postfix-like offer; the answer is kept in `answer`.
  void negotiate(std::uint32_t actions = w::kActAll, std::uint32_t protocol = w::kProtoAll) {
    const auto r = send(optneg(6, actions, protocol));
    ASSERT_TRUE(ok);
    ASSERT_EQ(r.size(), 1u);
    ASSERT_EQ(r[0].command, 'O');
  }

  std::vector<w::Reply> decode(const std::string& bytes) {
    w::PacketDecoder d;
    d.feed(bytes);
    std::vector<w::Reply> out;
    for (;;) {
      auto p = d.next();
      EXPECT_TRUE(p);
      if (!p || !*p) break;
      if ((*p)->command == w::kCmdOptneg) {
        auto o = w::decode_optneg((*p)->payload);
        EXPECT_TRUE(o) << o.error().detail;
        if (o) answer = *o;
        out.push_back(w::Reply{w::kCmdOptneg, {}, {}, 0, {}, {}});
        continue;
      }
      auto r = w::decode_reply(**p);
      EXPECT_TRUE(r) << r.error().detail;
      if (r) out.push_back(std::move(*r));
    }
    EXPECT_EQ(d.buffered(), 0u);
    return out;
  }

  cachet::log::CaptureLogger logger;
  Script script;
  std::unique_ptr<Connection> conn;
  std::string sent_now;
  bool send_ok = true;
  bool ok = false;
  w::OptNeg answer;

 private:
  ConnectionShared shared_;
};

std::string commands(const std::vector<w::Reply>& replies) {
  std::string s;
  for (const auto& r : replies) s += r.command;
  return s;
}

// ---- Negotiation ----

TEST(ConnectionNegotiate, AnswersTheLowerVersionAndOnlyOfferedSteps) {
  for (const std::uint32_t offered : {2u, 5u, 6u, 7u, 0xffffffffu}) {
    Harness h(MilterSpec{});
    h.send(optneg(offered));
    ASSERT_TRUE(h.ok) << offered;
    EXPECT_EQ(h.answer.version, std::min<std::uint32_t>(offered, 6)) << offered;
  }
  MilterSpec spec;  // default steps: no helo, rcpt, data, unknown
  spec.no_reply = w::kNrConn | w::kNrHdr;
  spec.header_leading_space = true;
  spec.want_skip = true;
  spec.actions = w::kActAddHdrs;
  {
    Harness h(spec);
    h.negotiate();
    EXPECT_EQ(h.answer.actions, w::kActAddHdrs);
    EXPECT_EQ(h.answer.protocol, w::kNoHelo | w::kNoRcpt | w::kNoData | w::kNoUnknown | w::kNrConn | w::kNrHdr |
                                     w::kHdrLeadSpc | w::kSkip);
  }
  {
    Harness h(spec);  // an MTA that offers neither NR, skip, leading space nor NOHELO
    const std::uint32_t offer = w::kProtoAll & ~(w::kNrConn | w::kNrHdr | w::kSkip | w::kHdrLeadSpc | w::kNoHelo);
    h.negotiate(w::kActAll, offer);
    EXPECT_EQ(h.answer.protocol, w::kNoRcpt | w::kNoData | w::kNoUnknown);
    EXPECT_EQ(h.answer.protocol & ~offer, 0u);
  }
}

TEST(ConnectionNegotiate, SymlistsOnlyWhenTheMtaOffersSetSymList) {
  MilterSpec spec;
  spec.actions = w::kActAddHdrs;
  spec.macros[static_cast<std::size_t>(w::Stage::mail)] = "i {auth_authen}";
  spec.macros[static_cast<std::size_t>(w::Stage::connect)] = "j";
  {
    Harness h(spec);
    h.negotiate();
    EXPECT_EQ(h.answer.actions, w::kActAddHdrs | w::kActSetSymList);
    ASSERT_TRUE(h.answer.symlists[static_cast<std::size_t>(w::Stage::mail)]);
    EXPECT_EQ(*h.answer.symlists[static_cast<std::size_t>(w::Stage::mail)],
              (std::vector<std::string>{"i", "{auth_authen}"}));
    EXPECT_EQ(*h.answer.symlists[static_cast<std::size_t>(w::Stage::connect)], std::vector<std::string>{"j"});
    EXPECT_FALSE(h.answer.symlists[static_cast<std::size_t>(w::Stage::eom)]);
  }
  {
    Harness h(spec);
    h.negotiate(w::kActAll & ~w::kActSetSymList);
    EXPECT_EQ(h.answer.actions, w::kActAddHdrs);
    for (const auto& list : h.answer.symlists) EXPECT_FALSE(list);
  }
}

// Each thread keeps its last answer (Connection::negotiate): connections of other specs and
// offers on the same thread, one after another, each get their own.
TEST(ConnectionNegotiate, EachConnectionGetsTheAnswerForItsOwnSpecAndOffer) {
  MilterSpec a, b;
  a.actions = b.actions = w::kActAddHdrs;
  a.macros[static_cast<std::size_t>(w::Stage::mail)] = "i";
  b.macros[static_cast<std::size_t>(w::Stage::mail)] = "{auth_authen}";
  const auto mail_list = [](const w::OptNeg& o) {
    const auto& list = o.symlists[static_cast<std::size_t>(w::Stage::mail)];
    return list ? *list : std::vector<std::string>{};
  };
  for (int round = 0; round < 2; ++round) {
    for (const bool is_a : {true, false, false, true}) {
      Harness h(is_a ? a : b);
      h.negotiate();
      EXPECT_EQ(mail_list(h.answer), std::vector<std::string>{is_a ? "i" : "{auth_authen}"});
      EXPECT_EQ(h.answer.version, 6u);
    }
    Harness old_mta(a);
    const auto r = old_mta.send(optneg(2));
    ASSERT_TRUE(old_mta.ok);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(old_mta.answer.version, 2u);
  }
}

TEST(ConnectionNegotiate, FailsWithoutTheNeededActions) {
  MilterSpec spec;
  spec.actions = w::kActAddHdrs | w::kActQuarantine;
  Harness h(spec);
  EXPECT_EQ(h.feed(optneg(6, w::kActAddHdrs)), "");
  EXPECT_FALSE(h.ok);
  EXPECT_TRUE(h.logger.contains("milter.negotiate_failed")) << testing::PrintToString(h.logger.lines());
}

TEST(ConnectionNegotiate, RefusesVersionsBelowTwo) {
  for (const std::uint32_t version : {0u, 1u}) {
    Harness h(MilterSpec{});
    EXPECT_EQ(h.feed(optneg(version)), "");
    EXPECT_FALSE(h.ok) << version;
    EXPECT_TRUE(h.logger.contains("milter.negotiate_failed")) << version;
  }
}

TEST(ConnectionNegotiate, CommandBeforeNegotiationEndsTheConnection) {
  for (const std::string& first : {connect(), macros('C', {{"j", "mx"}}), mail(), quit_nc()}) {
    Harness h(spec_all_steps());
    EXPECT_EQ(h.feed(first), "");
    EXPECT_FALSE(h.ok);
    EXPECT_TRUE(h.logger.contains("milter.bad_packet")) << h.logger.lines().size();
    EXPECT_TRUE(h.script.calls.empty());
  }
}

TEST(ConnectionNegotiate, KeepsTheNegotiationOfAConnection) {
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(connect() + helo() + mail())), "ccc");
  EXPECT_EQ(commands(h.send(quit_nc() + connect() + helo())), "cc");
}

// ---- Malformed input ----

struct BadCase {
  const char* name;
  std::string bytes;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }
class ConnectionBadPacket : public ::testing::TestWithParam<BadCase> {};
TEST_P(ConnectionBadPacket, EndsTheConnectionWithALogLine) {
  const auto& c = GetParam();
  Harness h(spec_all_steps());
  h.negotiate();
  ASSERT_EQ(commands(h.send(connect())), "c");
  // Nothing after the bad packet is read: the helo after it gets no answer.
  EXPECT_EQ(h.feed(c.bytes + helo()), "") << c.name;
  EXPECT_FALSE(h.ok) << c.name;
  EXPECT_TRUE(h.logger.contains("milter.bad_packet")) << c.name;
  EXPECT_EQ(h.script.calls, std::vector<std::string>{"connect client.example"}) << c.name;
}
std::string many_args(std::size_t n) {
  std::vector<std::string> a;
  for (std::size_t i = 0; i < n; ++i) a.push_back("A" + std::to_string(i));
  return mail(a);
}
INSTANTIATE_TEST_SUITE_P(Rows, ConnectionBadPacket,
                         ::testing::Values(BadCase{"zero length", u32(0)},
                                           BadCase{"length above the limit", u32(w::kMaxPacketBytes + 1)},
                                           BadCase{"unknown command", w::encode_packet('Z', "")},
                                           BadCase{"a reply command", w::encode_packet('c', "")},
                                           BadCase{"connect without family", w::encode_packet('C', "h\0"s)},
                                           BadCase{"connect unknown family", w::encode_packet('C',
                                                                                              "h\0X\0\x19"
                                                                                              "1\0"s)},
                                           BadCase{"helo without NUL", w::encode_packet('H', "h")},
                                           BadCase{"helo two strings", w::encode_packet('H', "a\0b\0"s)},
                                           BadCase{"mail empty", w::encode_packet('M', "")},
                                           BadCase{"mail kMaxArgs+1", many_args(w::kMaxArgs + 1)},
                                           BadCase{"header one string", w::encode_packet('L', "Subject\0"s)},
                                           BadCase{"macros odd", w::encode_packet('D', "Mi\0"s)},
                                           BadCase{"macros empty name", w::encode_packet('D', "M\0v\0"s)},
                                           BadCase{"macros empty", w::encode_packet('D', "")},
                                           BadCase{"optneg short", w::encode_packet('O', "abc")}));

TEST(ConnectionBadPacket, MailAtKMaxArgsIsAccepted) {
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(many_args(w::kMaxArgs))), "c");
  EXPECT_TRUE(h.ok);
  ASSERT_EQ(h.script.calls.size(), 1u);
  EXPECT_EQ(h.script.calls[0].rfind("envfrom A0 A1 ", 0), 0u);
}

// ---- Each step, replying or not ----

struct StepCase {
  const char* name;
  std::uint32_t nr_bit;
  std::string packet;
  const char* hook;
};
std::ostream& operator<<(std::ostream& os, const StepCase& c) { return os << c.name; }
class ConnectionStep : public ::testing::TestWithParam<StepCase> {};

TEST_P(ConnectionStep, RepliesContinueWithoutNoReply) {
  const auto& c = GetParam();
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(c.packet)), "c");
  ASSERT_EQ(h.script.calls.size(), c.hook[0] == 0 ? 0u : 1u);
  if (c.hook[0] != 0) {
    EXPECT_EQ(h.script.calls[0].rfind(c.hook, 0), 0u) << h.script.calls[0];
  }
}

TEST_P(ConnectionStep, SendsNothingWhenNoReplyIsAgreed) {
  const auto& c = GetParam();
  Harness h(spec_no_reply(c.nr_bit));
  h.negotiate();
  EXPECT_EQ(h.answer.protocol & c.nr_bit, c.nr_bit);
  EXPECT_EQ(h.feed(c.packet), "");
  EXPECT_TRUE(h.ok);
  EXPECT_EQ(h.script.calls.size(), c.hook[0] == 0 ? 0u : 1u);
}

TEST_P(ConnectionStep, RepliesContinueWhenTheMtaDidNotOfferNoReply) {
  const auto& c = GetParam();
  MilterSpec spec = spec_all_steps();
  spec.no_reply = c.nr_bit;
  spec.steps = all_steps();
  Harness h(spec);
  h.negotiate(w::kActAll, w::kProtoAll & ~c.nr_bit);
  EXPECT_EQ(h.answer.protocol & c.nr_bit, 0u);
  EXPECT_EQ(commands(h.send(c.packet)), "c");
}

INSTANTIATE_TEST_SUITE_P(Steps, ConnectionStep,
                         ::testing::Values(StepCase{"connect", w::kNrConn, connect(), "connect client.example"},
                                           StepCase{"helo", w::kNrHelo, helo(), "helo client.example"},
                                           StepCase{"mail", w::kNrMail, mail(), "envfrom <s@example.org>"},
                                           StepCase{"rcpt", w::kNrRcpt, rcpt(), "envrcpt <r@example.com>"},
                                           StepCase{"data", w::kNrData, data(), "data"},
                                           StepCase{"header", w::kNrHdr, header("Subject", "x"), "header Subject:x"},
                                           StepCase{"eoh", w::kNrEoh, eoh(), "eoh"},
                                           StepCase{"body", w::kNrBody, body("abc"), "body abc"},
                                           StepCase{"unknown", w::kNrUnkn, unknown(), ""}));

TEST(ConnectionStep, EomAlwaysReplies) {
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(eom())), "c");
  EXPECT_EQ(h.script.calls, std::vector<std::string>{"eom"});
}

TEST(ConnectionStep, EomWithAChunkShowsItToTheBodyHookFirst) {
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(w::encode_packet(w::kCmdEom, "tail"))), "c");
  EXPECT_EQ(h.script.calls, (std::vector<std::string>{"body tail", "eom"}));
  h.script.calls.clear();
  h.script.verdicts["body"] = Verdict::reject();
  EXPECT_EQ(commands(h.send(w::encode_packet(w::kCmdEom, "tail"))), "r");
  EXPECT_EQ(h.script.calls, (std::vector<std::string>{"body tail"}));
}

TEST(ConnectionStep, EveryVerdictMapsToItsReply) {
  const std::vector<std::pair<Verdict, char>> rows = {
      {Verdict::cont(), 'c'},     {Verdict::accept(), 'a'},  {Verdict::reject(), 'r'},
      {Verdict::tempfail(), 't'}, {Verdict::discard(), 'd'}, {Verdict::skip(), 'c'},
  };
  for (const auto& [v, want] : rows) {
    Harness h(spec_all_steps());
    h.negotiate();
    h.script.verdicts["envfrom"] = v;
    const auto r = h.send(mail());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].command, want);
  }
}

// ---- Held verdicts ----

TEST(ConnectionHeld, NoReplyHeaderVerdictIsGivenAtEoh) {
  Harness h(spec_no_reply(w::kNrHdr));
  h.negotiate();
  h.script.verdicts["header"] = Verdict::reject();
  EXPECT_EQ(h.feed(mail() + header("A", "1")), w::encode_packet('c', ""));
  EXPECT_EQ(h.feed(header("B", "2")), "");  // held: no hook, no reply
  EXPECT_EQ(commands(h.send(eoh())), "r");
  EXPECT_EQ(h.script.calls, (std::vector<std::string>{"envfrom <s@example.org>", "header A:1"}));
}

TEST(ConnectionHeld, NoReplyUntilEomGivesTheVerdictAtEomWithoutHooks) {
  Harness h(spec_no_reply(w::kNrHdr | w::kNrEoh | w::kNrBody));
  h.negotiate();
  h.script.verdicts["header"] = Verdict::reply("550", "5.7.1", "held");
  EXPECT_EQ(commands(h.send(mail() + header("A", "1") + header("B", "2") + eoh() + body("x"))), "c");
  const auto r = h.send(eom());
  ASSERT_EQ(commands(r), "y");
  EXPECT_EQ(r[0].value, "550 5.7.1 held");
  EXPECT_EQ(h.script.calls, (std::vector<std::string>{"envfrom <s@example.org>", "header A:1"}));
  // The next message starts clean.
  h.script.verdicts.clear();
  EXPECT_EQ(commands(h.send(mail() + header("C", "3") + eom())), "cc");
}

TEST(ConnectionHeld, NoReplyNotOfferedAnswersContinueAndStillHolds) {
  Harness h(spec_no_reply(w::kNrHdr));
  h.negotiate(w::kActAll, w::kProtoAll & ~w::kNrHdr);
  h.script.verdicts["header"] = Verdict::tempfail();
  EXPECT_EQ(commands(h.send(header("A", "1") + header("B", "2"))), "cc");
  EXPECT_EQ(commands(h.send(eoh())), "t");
  EXPECT_EQ(h.script.calls, std::vector<std::string>{"header A:1"});
}

TEST(ConnectionHeld, MailClearsAVerdictHeldFromTheLastMessage) {
  Harness h(spec_no_reply(w::kNrRcpt));
  h.negotiate();
  h.script.verdicts["envrcpt"] = Verdict::reject();
  EXPECT_EQ(commands(h.send(mail() + rcpt())), "c");
  // The MTA starts another message without ABORT: the held reject was for the last one.
  h.script.verdicts.clear();
  EXPECT_EQ(commands(h.send(mail() + eom())), "cc");
  EXPECT_EQ(h.script.calls.back(), "eom");
}

TEST(ConnectionHeld, AbortClearsAHeldVerdict) {
  Harness h(spec_no_reply(w::kNrHdr));
  h.negotiate();
  h.script.verdicts["header"] = Verdict::reject();
  EXPECT_EQ(commands(h.send(mail() + header("A", "1") + abort_message())), "c");
  h.script.verdicts.clear();
  EXPECT_EQ(commands(h.send(mail() + header("B", "2") + eoh())), "cc");
}

// A connection-level verdict given at a no-reply CONNECT (cachet-dkim's PeerList accept)
// holds for every message of that SMTP session, as the MTA would apply it had it waited.
TEST(ConnectionHeld, ConnectVerdictHoldsForEveryMessageOfTheSession) {
  MilterSpec spec = spec_all_steps();
  spec.steps.helo = false;
  spec.no_reply = w::kNrConn | w::kNrMail | w::kNrHdr | w::kNrEoh | w::kNrBody;
  Harness h(spec);
  h.negotiate();
  h.script.verdicts["connect"] = Verdict::accept();
  EXPECT_EQ(h.feed(connect()), "");
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(h.feed(mail() + header("A", "1") + eoh() + body("x")), "") << i;
    EXPECT_EQ(commands(h.send(eom())), "a") << i;
  }
  EXPECT_EQ(h.script.calls, std::vector<std::string>{"connect client.example"});
  // A new SMTP client on the same MTA connection is asked again.
  h.script.verdicts.clear();
  EXPECT_EQ(h.feed(quit_nc() + connect("other.example") + mail()), "");
  EXPECT_EQ(commands(h.send(eom())), "c");
  EXPECT_EQ(h.script.calls.back(), "eom");
}

TEST(ConnectionHeld, ConnectVerdictIsGivenAtTheFirstReplyingStep) {
  Harness h(spec_no_reply(w::kNrConn));
  h.negotiate();
  h.script.verdicts["connect"] = Verdict::reject();
  EXPECT_EQ(h.feed(connect()), "");
  EXPECT_EQ(commands(h.send(helo())), "r");
  EXPECT_EQ(commands(h.send(mail())), "r");
  EXPECT_EQ(h.script.calls, std::vector<std::string>{"connect client.example"});
}

// ---- Skip ----

TEST(ConnectionSkip, OnlyAtBodyAndOnlyWhenAgreed) {
  MilterSpec spec = spec_all_steps();
  spec.want_skip = true;
  {
    Harness h(spec);
    h.negotiate();
    h.script.verdicts["body"] = Verdict::skip();
    h.script.verdicts["header"] = Verdict::skip();
    h.script.verdicts["eom"] = Verdict::skip();
    EXPECT_EQ(commands(h.send(header("A", "1") + body("x") + eom())), "csc");
  }
  {
    Harness h(spec);
    h.negotiate(w::kActAll, w::kProtoAll & ~w::kSkip);
    h.script.verdicts["body"] = Verdict::skip();
    EXPECT_EQ(commands(h.send(body("x"))), "c");
  }
  {
    spec.want_skip = false;
    Harness h(spec);
    h.negotiate();
    h.script.verdicts["body"] = Verdict::skip();
    EXPECT_EQ(commands(h.send(body("x"))), "c");
  }
}

// ---- Custom replies ----

TEST(ConnectionReply, CustomReplyIsSentAsY) {
  Harness h(spec_all_steps());
  h.negotiate();
  h.script.verdicts["eom"] = Verdict::reply("550", "5.7.1", "text");
  const auto r = h.send(eom());
  ASSERT_EQ(commands(r), "y");
  EXPECT_EQ(r[0].value, "550 5.7.1 text");
  EXPECT_FALSE(h.logger.contains("milter.bad_reply"));
}

TEST(ConnectionReply, InvalidReplyFallsBackByItsCode) {
  struct Row {
    Verdict v;
    char want;
  };
  for (const auto& [v, want] :
       {Row{Verdict::reply("550", "4.7.1", "x"), 'r'}, Row{Verdict::reply("450", "5.7.1", "x"), 't'},
        Row{Verdict::reply("550", "5.7.1", "a\r\n250 ok"), 'r'},
        Row{Verdict::reply("550", "5.7.1", std::string(w::kMaxReplyText + 1, 'x')), 'r'},
        Row{Verdict::reply("250", "", "ok"), 't'}, Row{Verdict::reply("", "", "x"), 't'}}) {
    Harness h(spec_all_steps());
    h.negotiate();
    h.script.verdicts["envfrom"] = v;
    h.script.calls.clear();
    EXPECT_EQ(commands(h.send(macros('M', {{"i", "QID9"}}) + mail())), std::string(1, want)) << v.code << v.xcode;
    EXPECT_TRUE(h.logger.contains("milter.bad_reply")) << v.code;
    EXPECT_TRUE(h.logger.contains("qid=QID9")) << v.code;
  }
}

// ---- Modifications ----

TEST(ConnectionModify, AppendedBeforeTheFinalReply) {
  MilterSpec spec = spec_all_steps();
  spec.actions = w::kActAll & ~w::kActSetSymList;
  Harness h(spec);
  h.negotiate();
  std::vector<Errc> errors;
  h.script.at_eom = [&](Context& c) {
    const auto rec = [&](const cachet::Result<void>& r) {
      if (!r) errors.push_back(r.error().code);
    };
    rec(c.add_header("X-A", " 1"));
    rec(c.insert_header(0, "Authentication-Results", " mx; none"));
    rec(c.change_header("Subject", 2, "new"));
    rec(c.delete_header("DKIM-Signature", 1));
    rec(c.quarantine("why"));
    rec(c.add_rcpt("<a@example.com>"));
    rec(c.add_rcpt("<b@example.com>", "NOTIFY=NEVER"));
    rec(c.del_rcpt("<c@example.com>"));
    rec(c.change_from("<d@example.org>", "SIZE=1"));
    rec(c.replace_body("new body\r\n"));
  };
  h.script.verdicts["eom"] = Verdict::accept();
  const auto r = h.send(eom());
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(commands(r), "himmq+2-eba");
  EXPECT_EQ(r[0].name, "X-A");
  EXPECT_EQ(r[0].value, " 1");
  EXPECT_EQ(r[1].index, 0u);
  EXPECT_EQ(r[2].index, 2u);
  EXPECT_EQ(r[2].value, "new");
  EXPECT_EQ(r[3].value, "");
  EXPECT_EQ(r[4].name, "why");
  EXPECT_EQ(r[6].args, "NOTIFY=NEVER");
  EXPECT_EQ(r[8].args, "SIZE=1");
  EXPECT_EQ(r[9].body, "new body\r\n");
}

TEST(ConnectionModify, RefusedOutsideEomAndWhenNotNegotiated) {
  MilterSpec spec = spec_all_steps();
  spec.actions = w::kActAddHdrs;
  Harness h(spec);
  h.negotiate();
  std::vector<std::pair<std::string, Errc>> got;
  const auto rec = [&](const char* what, const cachet::Result<void>& r) {
    got.emplace_back(what, r ? Errc{} : r.error().code);
    if (r) got.back().first += " ok";
  };
  h.script.at_header = [&](Context& c) {
    rec("header add_header", c.add_header("X", "y"));
    rec("header progress", c.progress());
  };
  h.script.at_eom = [&](Context& c) {
    rec("quarantine", c.quarantine("q"));
    rec("replace_body", c.replace_body("b"));
    rec("change_from", c.change_from("<a>"));
    rec("add_rcpt", c.add_rcpt("<a>"));
    rec("add_rcpt args", c.add_rcpt("<a>", "X=1"));
    rec("del_rcpt", c.del_rcpt("<a>"));
    rec("change_header", c.change_header("X", 1, "v"));
    rec("NUL in name", c.add_header("X\0Y"s, "v"));
    rec("NUL in value", c.add_header("X", "v\0w"s));
    rec("negative index", c.insert_header(-1, "X", "v"));
    rec("occurrence 0", c.change_header("X", 0, "v"));
  };
  EXPECT_EQ(commands(h.send(header("A", "1") + eom())), "cc");  // nothing but the replies
  const std::vector<std::pair<std::string, Errc>> want = {
      {"header add_header", Errc::internal}, {"header progress", Errc::internal}, {"quarantine", Errc::config},
      {"replace_body", Errc::config},        {"change_from", Errc::config},       {"add_rcpt", Errc::config},
      {"add_rcpt args", Errc::config},       {"del_rcpt", Errc::config},          {"change_header", Errc::config},
      {"NUL in name", Errc::internal},       {"NUL in value", Errc::internal},    {"negative index", Errc::internal},
      {"occurrence 0", Errc::internal}};
  EXPECT_EQ(got, want);
}

TEST(ConnectionModify, ReplaceBodySplitsIntoChunks) {
  MilterSpec spec = spec_all_steps();
  spec.actions = w::kActChgBody;
  Harness h(spec);
  h.negotiate();
  std::string big(2 * w::kMaxBodyChunk + 1, 'x');
  for (std::size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  h.script.at_eom = [&](Context& c) { ASSERT_TRUE(c.replace_body(big)); };
  const auto r = h.send(eom());
  ASSERT_EQ(commands(r), "bbbc");
  EXPECT_EQ(r[0].body.size(), w::kMaxBodyChunk);
  EXPECT_EQ(r[1].body.size(), w::kMaxBodyChunk);
  EXPECT_EQ(r[2].body.size(), 1u);
  EXPECT_EQ(r[0].body + r[1].body + r[2].body, big);
  // An empty body is one empty packet; a body of exactly one chunk is one packet.
  h.script.at_eom = [&](Context& c) {
    ASSERT_TRUE(c.replace_body(""));
    ASSERT_TRUE(c.replace_body(std::string(w::kMaxBodyChunk, 'y')));
  };
  EXPECT_EQ(commands(h.send(eom())), "bbc");
}

TEST(ConnectionModify, ProgressGoesOutAtOnceWithWhatPrecedesIt) {
  MilterSpec spec = spec_all_steps();
  spec.actions = w::kActAddHdrs;
  spec.no_reply = w::kNrBody;
  Harness h(spec);
  h.negotiate();
  std::string sent_at_progress;
  h.script.at_eom = [&](Context& c) {
    ASSERT_TRUE(c.add_header("X-1", "a"));
    ASSERT_TRUE(c.progress());
    sent_at_progress = h.sent_now;
    ASSERT_TRUE(c.add_header("X-2", "b"));
  };
  const auto later = h.send(header("A", "1") + body("x") + eom());
  EXPECT_EQ(commands(h.decode(sent_at_progress)), "chp");
  EXPECT_EQ(commands(later), "hc");
  EXPECT_EQ(later[0].name, "X-2");
  // A failed write is Errc::temporary.
  h.send_ok = false;
  std::optional<Errc> err;
  h.script.at_eom = [&](Context& c) {
    auto r = c.progress();
    if (!r) err = r.error().code;
  };
  EXPECT_EQ(commands(h.send(eom())), "c");
  EXPECT_EQ(err, Errc::temporary);
}

// ---- Macros ----

TEST(ConnectionMacros, PerStageWithBothNameFormsAndLatestStageFirst) {
  Harness h(spec_all_steps());
  h.negotiate();
  h.script.probes = {"i", "{i}", "j", "{daemon_name}", "{x}", "{rcpt_addr}"};
  h.send(macros('C', {{"j", "mx.example"}, {"{daemon_name}", "smtpd"}, {"{x}", "conn"}}) + connect());
  h.send(macros('M', {{"{i}", "QID"}, {"{x}", "mail"}}) + mail());
  h.send(macros('R', {{"{rcpt_addr}", "r@example.com"}}) + rcpt());
  h.send(macros('L', {{"{x}", "ignored"}}) + header("A", "1"));  // no stage for 'L'
  EXPECT_TRUE(h.ok);
  EXPECT_EQ(h.script.seen, (std::vector<std::string>{"connect i=-",          "connect {i}=-",
                                                     "connect j=mx.example", "connect {daemon_name}=smtpd",
                                                     "connect {x}=conn",     "connect {rcpt_addr}=-",
                                                     "envfrom i=QID",        "envfrom {i}=QID",
                                                     "envfrom j=mx.example", "envfrom {daemon_name}=smtpd",
                                                     "envfrom {x}=mail",     "envfrom {rcpt_addr}=-",
                                                     "envrcpt i=QID",        "envrcpt {i}=QID",
                                                     "envrcpt j=mx.example", "envrcpt {daemon_name}=smtpd",
                                                     "envrcpt {x}=mail",     "envrcpt {rcpt_addr}=r@example.com",
                                                     "header i=QID",         "header {i}=QID",
                                                     "header j=mx.example",  "header {daemon_name}=smtpd",
                                                     "header {x}=mail",      "header {rcpt_addr}=r@example.com"}));
}

TEST(ConnectionMacros, ADPacketReplacesItsStage) {
  Harness h(spec_all_steps());
  h.negotiate();
  h.script.probes = {"i", "{y}"};
  h.send(macros('M', {{"i", "Q1"}}) + macros('M', {{"{y}", "2"}}) + mail());
  EXPECT_EQ(h.script.seen, (std::vector<std::string>{"envfrom i=-", "envfrom {y}=2"}));
}

TEST(ConnectionMacros, MessageStagesClearedAtEndOfMessageAndAbort) {
  Harness h(spec_all_steps());
  h.negotiate();
  h.script.probes = {"j", "{h}", "i", "{r}", "{d}", "{e}"};
  const std::string setup = macros('C', {{"j", "mx"}}) + connect() + macros('H', {{"{h}", "helo"}}) + helo();
  const std::string msg = macros('M', {{"i", "Q"}}) + mail() + macros('R', {{"{r}", "r"}}) + rcpt() +
                          macros('T', {{"{d}", "d"}}) + data() + macros('N', {{"{e}", "e"}}) + eoh();
  for (const std::string& end : {eom(), abort_message()}) {
    h.send(setup + msg + end);
    h.script.seen.clear();
    h.send(mail());
    EXPECT_EQ(h.script.seen, (std::vector<std::string>{"envfrom j=mx", "envfrom {h}=helo", "envfrom i=-",
                                                       "envfrom {r}=-", "envfrom {d}=-", "envfrom {e}=-"}))
        << end[4];
  }
}

TEST(ConnectionMacros, EomMacrosSeenAtEom) {
  Harness h(spec_all_steps());
  h.negotiate();
  h.script.probes = {"{eom}", "i"};
  h.send(macros('M', {{"i", "Q"}}) + mail() + macros('E', {{"{eom}", "1"}}) + eom());
  EXPECT_EQ(h.script.seen.back(), "eom i=Q");
  EXPECT_EQ(h.script.seen[h.script.seen.size() - 2], "eom {eom}=1");
}

// ---- Sessions: QUIT, QUIT_NC, factory, exceptions ----

TEST(ConnectionSession, QuitNcClosesTheSessionAndKeepsNegotiation) {
  Harness h(spec_all_steps());
  h.negotiate();
  const long before = Connection::live_sessions();
  h.script.probes = {"j"};
  EXPECT_EQ(commands(h.send(macros('C', {{"j", "mx"}}) + connect("one.example") + mail() + eom())), "ccc");
  EXPECT_EQ(Connection::live_sessions(), before + 1);
  EXPECT_EQ(h.feed(quit_nc()), "");
  EXPECT_TRUE(h.ok);
  EXPECT_EQ(Connection::live_sessions(), before);
  EXPECT_EQ(h.script.calls.back(), "close 1");
  h.script.seen.clear();
  EXPECT_EQ(commands(h.send(connect("two.example") + mail())), "cc");
  EXPECT_EQ(h.script.sessions_made, 2);
  ASSERT_EQ(h.script.infos.size(), 2u);
  EXPECT_EQ(h.script.infos[1].hostname, "two.example");
  EXPECT_EQ(h.script.infos[1].address, "192.0.2.1");
  EXPECT_EQ(h.script.infos[1].port, 54321);
  EXPECT_EQ(h.script.infos[1].family, ConnInfo::Family::inet);
  EXPECT_EQ(h.script.seen, (std::vector<std::string>{"connect j=-", "envfrom j=-"}));  // connection macros gone
  h.conn.reset();
  EXPECT_EQ(h.script.calls.back(), "close 2");
  EXPECT_EQ(Connection::live_sessions(), before);
}

TEST(ConnectionSession, QuitEndsTheConnectionAfterOnClose) {
  Harness h(spec_all_steps());
  h.negotiate();
  const long before = Connection::live_sessions();
  EXPECT_EQ(commands(h.send(connect())), "c");
  EXPECT_EQ(h.feed(quit() + helo()), "");
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.script.calls.back(), "close 1");
  EXPECT_EQ(Connection::live_sessions(), before);
  h.conn->close();  // idempotent
  EXPECT_EQ(h.script.calls.size(), 2u);
  EXPECT_FALSE(h.logger.contains("milter.bad_packet"));
}

TEST(ConnectionSession, SessionIsMadeLazilyWithoutConnectStep) {
  MilterSpec spec;  // steps.connect stays true but the MTA never sends CONNECT here
  spec.steps.connect = false;
  Harness h(spec);
  h.negotiate();
  EXPECT_EQ(h.answer.protocol & w::kNoConnect, w::kNoConnect);
  EXPECT_EQ(commands(h.send(mail())), "c");
  ASSERT_EQ(h.script.infos.size(), 1u);
  EXPECT_FALSE(h.script.infos[0].known);
}

TEST(ConnectionSession, ContextReportsLeadingSpaceAndRunningHooks) {
  MilterSpec spec = spec_all_steps();
  spec.header_leading_space = true;
  for (const bool offered : {true, false}) {
    Harness h(spec);
    h.negotiate(w::kActAll, offered ? w::kProtoAll : w::kProtoAll & ~w::kHdrLeadSpc);
    std::optional<bool> leading;
    long running = 0;
    h.script.at_header = [&](Context& c) {
      leading = c.has_leading_space();
      running = Connection::hooks_running();
    };
    EXPECT_EQ(commands(h.send(header("A", " 1"))), "c");
    EXPECT_EQ(leading, offered);
    EXPECT_GE(running, 1);
    EXPECT_EQ(h.script.calls.back(), "header A: 1");
  }
  EXPECT_EQ(Connection::hooks_running(), 0);
}

TEST(ConnectionSession, UnknownFamilyGivesAnEmptyAddress) {
  Harness h(spec_all_steps());
  h.negotiate();
  EXPECT_EQ(commands(h.send(w::encode_packet('C', "[unknown]\0U"s))), "c");
  ASSERT_EQ(h.script.infos.size(), 1u);
  EXPECT_EQ(h.script.infos[0].family, ConnInfo::Family::unknown);
  EXPECT_EQ(h.script.infos[0].address, "");
}

TEST(ConnectionSession, ThrowingHookGivesTheFailureActionAndTheConnectionGoesOn) {
  for (const auto& [action, want] : {std::pair{FailureAction::tempfail, 't'}, std::pair{FailureAction::reject, 'r'},
                                     std::pair{FailureAction::accept, 'a'}}) {
    MilterSpec spec = spec_all_steps();
    spec.on_internal_error = action;
    Harness h(spec);
    h.negotiate();
    const long errors = Connection::internal_errors();
    h.script.throws["envfrom"] = "boom";
    EXPECT_EQ(commands(h.send(macros('M', {{"i", "QX"}}) + mail())), std::string(1, want));
    EXPECT_TRUE(h.ok);
    EXPECT_EQ(Connection::internal_errors(), errors + 1);
    EXPECT_TRUE(h.logger.contains("milter.internal_error")) << testing::PrintToString(h.logger.lines());
    EXPECT_TRUE(h.logger.contains("stage=envfrom"));
    EXPECT_TRUE(h.logger.contains("qid=QX"));
    EXPECT_TRUE(h.logger.contains("error=boom"));
    h.script.throws.clear();
    EXPECT_EQ(commands(h.send(mail() + eom())), "cc");
  }
}

TEST(ConnectionSession, ThrowsOfEveryKindAndInNotifications) {
  Harness h(spec_no_reply(w::kNrHdr));
  h.negotiate();
  h.script.throws["header"] = "";  // not a std::exception
  h.script.throws["abort"] = "in abort";
  h.script.throws["close"] = "in close";
  EXPECT_EQ(h.feed(header("A", "1")), "");  // held failure action
  EXPECT_EQ(commands(h.send(eoh())), "t");
  EXPECT_TRUE(h.logger.contains("unknown exception"));
  EXPECT_EQ(h.feed(abort_message()), "");
  EXPECT_TRUE(h.logger.contains("stage=abort"));
  h.conn->close();
  EXPECT_TRUE(h.logger.contains("stage=close"));
  EXPECT_EQ(Connection::hooks_running(), 0);
}

TEST(ConnectionSession, FactoryWithoutSessionGivesTheFailureAction) {
  MilterSpec spec = spec_all_steps();
  spec.on_internal_error = FailureAction::reject;
  Harness h(spec);
  h.negotiate();
  h.script.factory_fails = true;
  const long before = Connection::live_sessions();
  EXPECT_EQ(commands(h.send(connect() + helo())), "rr");
  EXPECT_TRUE(h.ok);
  EXPECT_TRUE(h.logger.contains("milter.internal_error"));
  EXPECT_EQ(Connection::live_sessions(), before);
  h.send(abort_message() + quit_nc());  // no session: nothing to notify
  EXPECT_TRUE(h.script.calls.empty());
}

TEST(ConnectionSession, LiveSessionsCountUpAndDown) {
  const long before = Connection::live_sessions();
  {
    Harness a(spec_all_steps()), b(spec_all_steps());
    a.negotiate();
    b.negotiate();
    EXPECT_EQ(Connection::live_sessions(), before);
    a.send(connect());
    EXPECT_EQ(Connection::live_sessions(), before + 1);
    b.send(connect());
    EXPECT_EQ(Connection::live_sessions(), before + 2);
    a.conn->close();
    EXPECT_EQ(Connection::live_sessions(), before + 1);
  }
  EXPECT_EQ(Connection::live_sessions(), before);
}

// ---- Any cut of the stream ----

TEST(ConnectionStream, ByteByByteGivesTheSameOutputAsOneFeed) {
  MilterSpec spec = spec_all_steps();
  spec.actions = w::kActAddHdrs | w::kActChgBody;
  spec.no_reply = w::kNrHdr | w::kNrBody;
  spec.macros[static_cast<std::size_t>(w::Stage::mail)] = "i";
  const std::string stream = optneg() + macros('C', {{"j", "mx"}}) + connect() + helo() + message() +
                             macros('M', {{"i", "QID2"}}) + mail() + header("X", "y") + abort_message() + quit_nc() +
                             connect("again.example") + message() + quit();
  const auto run = [&](bool byte_by_byte, std::vector<std::string>& calls) {
    Harness h(spec);
    h.script.probes = {"i", "j"};
    h.script.verdicts["header"] = Verdict::tempfail();
    h.script.at_eom = [](Context& c) {
      (void)c.add_header("X-Q", c.queue_id());
      (void)c.replace_body("b");
    };
    std::string out;
    bool ok = true;
    if (byte_by_byte) {
      for (std::size_t i = 0; i < stream.size() && ok; ++i) {
        std::string piece;
        ok = h.conn->receive(stream.substr(i, 1), piece);
        out += piece;
      }
    } else {
      ok = h.conn->receive(stream, out);
    }
    EXPECT_FALSE(ok);  // ends with QUIT
    calls = h.script.calls;
    calls.insert(calls.end(), h.script.seen.begin(), h.script.seen.end());
    return out;
  };
  std::vector<std::string> calls_whole, calls_bytes;
  const std::string whole = run(false, calls_whole);
  const std::string bytes = run(true, calls_bytes);
  EXPECT_EQ(whole, bytes);
  EXPECT_EQ(calls_whole, calls_bytes);
  Harness decoder(MilterSpec{});
  EXPECT_EQ(commands(decoder.decode(whole)),
            "Occccc"
            "thbc"
            "ccccc"
            "thbc");
}

}  // namespace
