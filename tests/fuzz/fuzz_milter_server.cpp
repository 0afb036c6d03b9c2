// SPDX-License-Identifier: BSD-2-Clause
//
// tests/fuzz/fuzz_milter_server.cpp: the server side of the milter protocol
// (common/milter/connection) fed what a confused or hostile MTA could send, with a small
// Session that answers pseudo-random verdicts (some of them invalid replies, some
// exceptions) and, at end of message, asks for modifications and progress built from the
// MTA's own strings.
// Input: a spec byte (bits 0-1 the no-reply steps: none, all, cachet-dkim's, cachet-dmarc's;
// bit 2 skip; bit 3 leading space; bit 4 every action or add-header only; bits 5-6 the
// failure action; bit 7 every step or the default ones), a session byte (seeds the
// verdicts; with its top bit set the rest is operations that build the MTA's bytes, see
// build_stream), then the MTA's bytes.
// The stream is fed three ways: whole; cut once at a data-dependent point; one packet at a
// time. Invariants: no crash, leak, hang or throw; the same bytes go to the MTA (progress
// writes and answers, in order) and the same hooks run in the three feeds; everything sent
// frames as packets that decode (decode_optneg for 'O', decode_reply for the rest); an
// OPTNEG answer asks for no more than was offered; every step that replies gets exactly one
// final reply, last, with modifications only before EOM's; a step whose no-reply the MTA
// agreed to, macros, ABORT, QUIT_NC and QUIT get no bytes; receive() is false exactly at a
// malformed packet, a command before OPTNEG, a failed negotiation or QUIT; every Session
// is deleted when the connection goes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/log/logger.hpp"
#include "common/milter/connection.hpp"
#include "tests/fuzz/milter_sequence.hpp"

namespace {

namespace milter = cachet::milter;
namespace w = cachet::milter::wire;

class NullLogger final : public cachet::log::Logger {
 public:
  void write(cachet::log::Level, std::string_view) override {}
};

// A tiny deterministic generator: the same hook calls get the same verdicts in every feed.
struct Rng {
  std::uint32_t state;
  unsigned next() {
    state = state * 1103515245u + 12345u;
    return (state >> 16) & 0x7fff;
  }
};

// What every feed records: hook calls (to compare) and the last strings the MTA sent.
struct Record {
  std::string hooks;
  std::string last_string = "x";
  std::string last_body;
};

class FuzzSession final : public milter::Session {
 public:
  FuzzSession(Rng& rng, Record& rec) : rng_(rng), rec_(rec) {}
  milter::Verdict on_connect(milter::Context& c, const milter::ConnInfo& ci) override {
    return hook(c, 'C', ci.hostname);
  }
  milter::Verdict on_helo(milter::Context& c, std::string_view h) override { return hook(c, 'H', h); }
  milter::Verdict on_envfrom(milter::Context& c, const std::vector<std::string_view>& a) override {
    return hook(c, 'M', a.empty() ? std::string_view() : a.back());
  }
  milter::Verdict on_envrcpt(milter::Context& c, const std::vector<std::string_view>& a) override {
    return hook(c, 'R', a.empty() ? std::string_view() : a.front());
  }
  milter::Verdict on_data(milter::Context& c) override { return hook(c, 'T', {}); }
  milter::Verdict on_header(milter::Context& c, std::string_view n, std::string_view v) override {
    rec_.hooks += n;
    return hook(c, 'L', v);
  }
  milter::Verdict on_eoh(milter::Context& c) override { return hook(c, 'N', {}); }
  milter::Verdict on_body(milter::Context& c, std::string_view chunk) override {
    rec_.last_body = std::string(chunk);
    return hook(c, 'B', chunk.substr(0, 16));
  }
  milter::Verdict on_eom(milter::Context& c) override {
    milter::Verdict v = hook(c, 'E', {});
    modify(c);
    return v;
  }
  void on_abort(milter::Context& c) override { (void)hook(c, 'A', {}); }
  void on_close(milter::Context& c) override { (void)hook(c, 'K', {}); }

 private:
  milter::Verdict hook(milter::Context& c, char step, std::string_view arg) {
    rec_.hooks += step;
    rec_.hooks += c.macro("i").value_or("-");
    if (!arg.empty()) rec_.last_string = std::string(arg);
    const unsigned r = rng_.next() % 32;
    switch (r) {
      case 0: return milter::Verdict::accept();
      case 1: return milter::Verdict::reject();
      case 2: return milter::Verdict::tempfail();
      case 3: return milter::Verdict::discard();
      case 4:
      case 5: return milter::Verdict::skip();
      case 6: return milter::Verdict::reply("550", "5.7.1", rec_.last_string);  // peer text: may be refused
      case 7: return milter::Verdict::reply("451", "", "try later");
      case 8: return milter::Verdict::reply("450", "5.7.1", "class mismatch");
      case 9: throw std::runtime_error("fuzz");
      default: return milter::Verdict::cont();
    }
  }
  // Modifications from the MTA's own strings; whatever is refused is refused.
  void modify(milter::Context& c) {
    const unsigned r = rng_.next();
    const std::string& s = rec_.last_string;
    if (r & 1) (void)c.add_header("X-Fuzz", c.macro("{i}").value_or(s));
    if (r & 2) (void)c.insert_header(static_cast<int>(r % 5), s, s);
    if (r & 4) (void)c.change_header(s, 1 + static_cast<int>(r % 3), (r & 8) ? std::string_view() : s);
    if (r & 16) (void)c.quarantine(s);
    if (r & 32) (void)c.add_rcpt(s, (r & 64) ? std::string_view(s) : std::string_view());
    if (r & 128) (void)c.del_rcpt(s);
    if (r & 256) (void)c.change_from(s, (r & 512) ? std::string_view("SIZE=1") : std::string_view());
    if (r & 1024) (void)c.replace_body(rec_.last_body);
    if (r & 2048) (void)c.progress();
  }
  Rng& rng_;
  Record& rec_;
};

milter::MilterSpec make_spec(unsigned bits) {
  milter::MilterSpec s;
  switch (bits & 3) {
    case 0: s.no_reply = 0; break;
    case 1:
      s.no_reply = w::kNrConn | w::kNrHelo | w::kNrMail | w::kNrRcpt | w::kNrData | w::kNrUnkn | w::kNrHdr | w::kNrEoh |
                   w::kNrBody;
      break;
    case 2: s.no_reply = w::kNrConn | w::kNrMail | w::kNrRcpt | w::kNrHdr | w::kNrEoh | w::kNrBody; break;
    default: s.no_reply = w::kNrConn | w::kNrHelo | w::kNrMail | w::kNrHdr; break;
  }
  s.want_skip = (bits & 4) != 0;
  s.header_leading_space = (bits & 8) != 0;
  s.actions = (bits & 16) != 0 ? (w::kActAll & ~w::kActSetSymList) : w::kActAddHdrs;
  switch ((bits >> 5) & 3) {
    case 0: s.on_internal_error = milter::FailureAction::tempfail; break;
    case 1: s.on_internal_error = milter::FailureAction::reject; break;
    default: s.on_internal_error = milter::FailureAction::accept; break;
  }
  if ((bits & 128) != 0) {
    s.steps.helo = s.steps.envrcpt = s.steps.data = s.steps.unknown = true;
    s.macros[static_cast<std::size_t>(w::Stage::mail)] = "i {auth_authen}";
    s.macros[static_cast<std::size_t>(w::Stage::connect)] = "j {daemon_name}";
  }
  return s;
}

// One Connection; `sent` is every byte that went to the MTA, in order.
class Feed {
 public:
  Feed(const milter::ConnectionShared& shared, unsigned seed) : rng_{seed} {
    conn_ = std::make_unique<milter::Connection>(shared, [this](std::string_view b) {
      sent += b;
      return true;
    });
  }
  bool receive(std::string_view bytes) {
    std::string out;
    const bool ok = conn_->receive(bytes, out);
    sent += out;
    return ok;
  }
  std::unique_ptr<milter::Session> make_session() { return std::make_unique<FuzzSession>(rng_, rec); }
  void close() { conn_.reset(); }

  std::string sent;
  Record rec;

 private:
  Rng rng_;
  std::unique_ptr<milter::Connection> conn_;
};

// Decodes everything the filter sent; aborts on anything that does not decode.
std::vector<w::Reply> replies(std::string_view bytes, std::optional<w::OptNeg>* answer) {
  w::PacketDecoder d;
  d.feed(bytes);
  std::vector<w::Reply> out;
  for (;;) {
    auto p = d.next();
    if (!p) std::abort();
    if (!*p) break;
    if ((*p)->command == w::kCmdOptneg) {
      auto o = w::decode_optneg((*p)->payload);
      if (!o || answer == nullptr) std::abort();
      *answer = *o;
      out.push_back(w::Reply{w::kCmdOptneg, {}, {}, 0, {}, {}});
      continue;
    }
    auto r = w::decode_reply(**p);
    if (!r) std::abort();
    out.push_back(std::move(*r));
  }
  if (d.buffered() != 0) std::abort();
  return out;
}

std::uint32_t no_reply_bit(char command) {
  switch (command) {
    case w::kCmdConnect: return w::kNrConn;
    case w::kCmdHelo: return w::kNrHelo;
    case w::kCmdMail: return w::kNrMail;
    case w::kCmdRcpt: return w::kNrRcpt;
    case w::kCmdData: return w::kNrData;
    case w::kCmdHeader: return w::kNrHdr;
    case w::kCmdEoh: return w::kNrEoh;
    case w::kCmdBody: return w::kNrBody;
    case w::kCmdUnknown: return w::kNrUnkn;
    default: return 0;
  }
}

bool is_step(char command) { return no_reply_bit(command) != 0 || command == w::kCmdEom; }

// Checks what one packet produced against the protocol rules (see the file comment).
void check_packet(const w::Packet& p, bool ok, const std::vector<w::Reply>& got, bool& negotiated,
                  std::uint32_t& protocol, const std::optional<w::OptNeg>& answer) {
  const char cmd = p.command;
  if (cmd == w::kCmdOptneg) {
    if (!ok) {
      if (!got.empty()) std::abort();
      return;
    }
    if (got.size() != 1 || got[0].command != w::kCmdOptneg || !answer) std::abort();
    const auto offer = w::decode_optneg(p.payload);
    if (!offer || offer->version < 2) std::abort();
    if (answer->version != std::min(offer->version, w::kProtocolVersion)) std::abort();
    if ((answer->protocol & ~offer->protocol) != 0 || (answer->actions & ~offer->actions) != 0) std::abort();
    negotiated = true;
    protocol = answer->protocol;
    return;
  }
  if (!negotiated && ok) std::abort();  // nothing but OPTNEG goes first
  if (!ok || !is_step(cmd) || (protocol & no_reply_bit(cmd)) != 0) {
    if (!got.empty()) std::abort();
    if (cmd == w::kCmdMacro || cmd == w::kCmdAbort || cmd == w::kCmdQuitNc) return;
    if (ok && !is_step(cmd)) std::abort();  // QUIT or an unknown command must end it
    return;
  }
  if (got.empty() || !got.back().is_final()) std::abort();
  for (std::size_t i = 0; i + 1 < got.size(); ++i) {
    if (got[i].is_final() || cmd != w::kCmdEom) std::abort();  // modifications at EOM only
  }
  if (got.back().command == w::kRepSkip && (cmd != w::kCmdBody || (protocol & w::kSkip) == 0)) std::abort();
}

// Feeds the stream one packet at a time and checks each answer.
void run_per_packet(Feed& f, std::string_view in) {
  w::PacketDecoder mta;
  mta.feed(in);
  bool negotiated = false;
  std::uint32_t protocol = 0;
  std::size_t at = 0;
  for (;;) {
    auto p = mta.next();
    if (!p) {  // framing error: the connection refuses the rest
      const std::size_t before = f.sent.size();
      if (f.receive(in.substr(at)) || f.sent.size() != before) std::abort();
      return;
    }
    if (!*p) {
      if (at < in.size() && !f.receive(in.substr(at))) std::abort();  // a partial packet: waits
      return;
    }
    const std::size_t len = 5 + (*p)->payload.size();
    const std::size_t before = f.sent.size();
    const bool ok = f.receive(in.substr(at, len));
    at += len;
    std::optional<w::OptNeg> answer;
    const auto got = replies(std::string_view(f.sent).substr(before), &answer);
    check_packet(**p, ok, got, negotiated, protocol, answer);
    if (!ok) return;
  }
}

// The session byte's top bit: the rest of the input is not the MTA's bytes but operations
// that build them (tests/fuzz/milter_sequence.hpp's reader: an opcode byte, then length-
// prefixed texts), so that mutations keep the framing and reach deep states; texts may hold
// NULs, and one opcode frames any command over any payload.
std::string build_stream(cachet::testlib::FuzzInput& in) {
  std::string out;
  const auto strings = [&](std::size_t n) {
    std::string p;
    for (std::size_t i = 0; i < n; ++i) p += in.text() + '\0';
    return p;
  };
  for (int ops = 0; !in.empty() && ops < 256; ++ops) {
    switch (in.byte() % 16) {
      case 0: {
        std::string p;
        const unsigned v = in.byte();  // version; bit 3: Postfix's whole offer
        w::append_u32(p, v % 8);
        w::append_u32(p, (v & 8) != 0 || (in.byte() & 1) != 0 ? w::kActAll : w::kActAll & ~w::kActSetSymList);
        const std::uint32_t drop = (in.byte() << 16) | (in.byte() << 8) | in.byte();
        w::append_u32(p, (v & 8) != 0 ? w::kProtoAll : w::kProtoAll & ~(drop << 1));
        out += w::encode_packet(w::kCmdOptneg, p);
        break;
      }
      case 1: {
        static constexpr char kFamilies[] = {'4', '6', 'L', 'U'};
        const char family = kFamilies[in.byte() % 4];
        std::string p = in.text() + '\0' + family;
        if (family != 'U') p += std::string{static_cast<char>(in.byte()), static_cast<char>(in.byte())} + strings(1);
        out += w::encode_packet(w::kCmdConnect, p);
        break;
      }
      case 2: out += w::encode_packet(w::kCmdHelo, strings(1)); break;
      case 3: out += w::encode_packet(w::kCmdMail, strings(1 + in.byte() % 3)); break;
      case 4: out += w::encode_packet(w::kCmdRcpt, strings(1 + in.byte() % 2)); break;
      case 5: out += w::encode_packet(w::kCmdData, ""); break;
      case 6: out += w::encode_packet(w::kCmdHeader, strings(2)); break;
      case 7: out += w::encode_packet(w::kCmdEoh, ""); break;
      case 8: out += w::encode_packet(w::kCmdBody, in.text()); break;
      case 9: out += w::encode_packet(w::kCmdEom, (in.byte() & 1) != 0 ? in.text() : std::string()); break;
      case 10: out += w::encode_packet(w::kCmdAbort, ""); break;
      case 11: out += w::encode_packet(w::kCmdQuitNc, ""); break;
      case 12: out += w::encode_packet(w::kCmdQuit, ""); break;
      case 13: out += w::encode_packet(w::kCmdUnknown, strings(1)); break;
      case 14: {
        static constexpr char kStages[] = {'C', 'H', 'M', 'R', 'T', 'N', 'E', 'L'};
        std::string p(1, kStages[in.byte() % 8]);
        for (unsigned n = in.byte() % 4; n > 0; --n) {
          const std::string name = in.text();
          p += (name.size() == 1 ? name : "{" + name + "}") + '\0' + in.text() + '\0';
        }
        out += w::encode_packet(w::kCmdMacro, p);
        break;
      }
      default: {
        const char cmd = static_cast<char>(in.byte());
        out += w::encode_packet(cmd, in.text());
        break;
      }
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const unsigned spec_bits = data[0];
  const unsigned seed = data[1];
  std::string built;
  if ((seed & 0x80) != 0) {
    cachet::testlib::FuzzInput ops(data + 2, size - 2);
    built = build_stream(ops);
  }
  const std::string_view in = (seed & 0x80) != 0 ? std::string_view(built)
                                                 : std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2);
  const long live_before = milter::Connection::live_sessions();

  NullLogger logger;
  Feed* current = nullptr;  // the feed whose Connection is running
  milter::ConnectionShared shared;
  shared.spec = make_spec(spec_bits);
  shared.logger = &logger;
  shared.factory = [&current](const milter::ConnInfo&) -> std::unique_ptr<milter::Session> {
    if (current->rec.hooks.size() % 7 == 6) return nullptr;  // now and then, no session
    return current->make_session();
  };

  Feed whole(shared, seed), cut(shared, seed), packets(shared, seed);
  current = &whole;
  (void)whole.receive(in);
  whole.close();

  current = &cut;
  std::size_t at = 0;
  for (std::size_t i = 0; i < in.size() && i < 8; ++i) at = at * 31 + static_cast<unsigned char>(in[i]);
  at = in.empty() ? 0 : at % (in.size() + 1);
  if (cut.receive(in.substr(0, at))) (void)cut.receive(in.substr(at));
  cut.close();

  current = &packets;
  run_per_packet(packets, in);
  packets.close();

  if (whole.sent != cut.sent || whole.sent != packets.sent) std::abort();
  if (whole.rec.hooks != cut.rec.hooks || whole.rec.hooks != packets.rec.hooks) std::abort();
  if (milter::Connection::live_sessions() != live_before) std::abort();
  return 0;
}
