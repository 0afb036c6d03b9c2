// SPDX-License-Identifier: BSD-2-Clause
// common/milter/connection.cpp: see connection.hpp.
#include "common/milter/connection.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iterator>
#include <stdexcept>

namespace cachet::milter {
namespace {

std::atomic<long> g_live_sessions{0};
std::atomic<long> g_hooks_running{0};
std::atomic<long> g_internal_errors{0};

struct HookGuard {
  HookGuard() noexcept { g_hooks_running.fetch_add(1); }
  ~HookGuard() { g_hooks_running.fetch_sub(1); }
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
};

Verdict failure_verdict(FailureAction a) {
  switch (a) {
    case FailureAction::accept: return Verdict::accept();
    case FailureAction::reject: return Verdict::reject();
    case FailureAction::tempfail: return Verdict::tempfail();
  }
  return Verdict::tempfail();
}

void append_simple(std::string& out, char command) { out += wire::encode_packet(command, {}); }

ConnInfo conn_info(const wire::Connect& c) {
  ConnInfo info;
  info.known = true;
  info.hostname = c.hostname;
  info.port = c.port;
  info.address = c.address;
  switch (c.family) {
    case '4': info.family = ConnInfo::Family::inet; break;
    case '6': info.family = ConnInfo::Family::inet6; break;
    case 'L': info.family = ConnInfo::Family::unix_; break;
    default: info.family = ConnInfo::Family::unknown; break;
  }
  return info;
}

// The SMFIP_* bits asked for, out of what the MTA offered.
std::uint32_t protocol_flags(const MilterSpec& s, std::uint32_t offered) {
  std::uint32_t proto = 0;
  const auto skip_step = [&](bool wanted, std::uint32_t bit) {
    if (!wanted) proto |= bit;
  };
  const Steps& st = s.steps;
  skip_step(st.connect, wire::kNoConnect);
  skip_step(st.helo, wire::kNoHelo);
  skip_step(st.envfrom, wire::kNoMail);
  skip_step(st.envrcpt, wire::kNoRcpt);
  skip_step(st.data, wire::kNoData);
  skip_step(st.headers, wire::kNoHdrs);
  skip_step(st.eoh, wire::kNoEoh);
  skip_step(st.body, wire::kNoBody);
  skip_step(st.unknown, wire::kNoUnknown);
  proto |= s.no_reply;
  if (s.header_leading_space) proto |= wire::kHdrLeadSpc;
  if (s.want_skip) proto |= wire::kSkip;
  return proto & offered;
}

}  // namespace

// Access to the MTA for one hook call; modifications only at EOM, appended to `out`.
class ConnectionContext final : public Context {
 public:
  ConnectionContext(Connection& conn, bool at_eom, std::string& out) : conn_(conn), at_eom_(at_eom), out_(out) {}

  std::optional<std::string> macro(std::string_view name) const override { return conn_.macro(name); }
  bool has_leading_space() const override { return (conn_.protocol_ & wire::kHdrLeadSpc) != 0; }

  Result<void> add_header(std::string_view name, std::string_view value) override {
    return modify(wire::kActAddHdrs, "add_header", {wire::kRepAddHeader, str(name), str(value), 0, {}, {}});
  }
  Result<void> insert_header(int index, std::string_view name, std::string_view value) override {
    if (index < 0) return fail(Errc::internal, "insert_header: negative index");
    return modify(wire::kActAddHdrs, "insert_header",
                  {wire::kRepInsHeader, str(name), str(value), static_cast<std::uint32_t>(index), {}, {}});
  }
  Result<void> change_header(std::string_view name, int occurrence, std::string_view value) override {
    if (occurrence < 1) return fail(Errc::internal, "change_header: occurrence starts at 1");
    return modify(wire::kActChgHdrs, "change_header",
                  {wire::kRepChgHeader, str(name), str(value), static_cast<std::uint32_t>(occurrence), {}, {}});
  }
  Result<void> quarantine(std::string_view reason) override {
    return modify(wire::kActQuarantine, "quarantine", {wire::kRepQuarantine, str(reason), {}, 0, {}, {}});
  }
  Result<void> add_rcpt(std::string_view rcpt, std::string_view args) override {
    if (args.empty()) return modify(wire::kActAddRcpt, "add_rcpt", {wire::kRepAddRcpt, str(rcpt), {}, 0, {}, {}});
    return modify(wire::kActAddRcptPar, "add_rcpt", {wire::kRepAddRcptPar, str(rcpt), {}, 0, str(args), {}});
  }
  Result<void> del_rcpt(std::string_view rcpt) override {
    return modify(wire::kActDelRcpt, "del_rcpt", {wire::kRepDelRcpt, str(rcpt), {}, 0, {}, {}});
  }
  Result<void> change_from(std::string_view from, std::string_view args) override {
    return modify(wire::kActChgFrom, "change_from", {wire::kRepChgFrom, str(from), {}, 0, str(args), {}});
  }
  Result<void> replace_body(std::string_view body) override {
    if (auto ok = allowed(wire::kActChgBody, "replace_body"); !ok) return ok;
    // The MTA takes the new body in packets of at most one body chunk each.
    do {
      const std::string_view chunk = body.substr(0, wire::kMaxBodyChunk);
      out_ += wire::encode_packet(wire::kRepReplBody, chunk);
      body.remove_prefix(chunk.size());
    } while (!body.empty());
    return {};
  }
  Result<void> progress() override {
    if (!at_eom_) return fail(Errc::internal, "progress outside end-of-message");
    append_simple(out_, wire::kRepProgress);
    const bool sent = conn_.send_now_(out_);
    out_.clear();
    if (!sent) return fail(Errc::temporary, "progress: the MTA connection failed");
    return {};
  }

 private:
  static std::string str(std::string_view s) { return std::string(s); }
  Result<void> allowed(std::uint32_t action, const char* what) const {
    if (!at_eom_) return fail(Errc::internal, std::string(what) + " outside end-of-message");
    if ((conn_.actions_ & action) == 0) return fail(Errc::config, std::string(what) + ": action not negotiated");
    return {};
  }
  Result<void> modify(std::uint32_t action, const char* what, const wire::Reply& request) {
    if (auto ok = allowed(action, what); !ok) return ok;
    if (request.name.find('\0') != std::string::npos || request.value.find('\0') != std::string::npos ||
        request.args.find('\0') != std::string::npos)
      return fail(Errc::internal, std::string(what) + ": NUL in a string");
    out_ += wire::encode_reply(request);
    return {};
  }

  Connection& conn_;
  bool at_eom_;
  std::string& out_;
};

namespace {

const char* step_name(int s) {
  static constexpr const char* kNames[] = {"negotiate", "connect", "helo", "envfrom", "envrcpt", "data", "header",
                                           "eoh",       "body",    "eom",  "unknown", "abort",   "close"};
  return s >= 0 && s < static_cast<int>(std::size(kNames)) ? kNames[s] : "?";
}

}  // namespace

Connection::Connection(const ConnectionShared& shared, SendNow send_now)
    : shared_(shared), send_now_(std::move(send_now)) {}

long Connection::live_sessions() noexcept { return g_live_sessions.load(); }
long Connection::hooks_running() noexcept { return g_hooks_running.load(); }
long Connection::internal_errors() noexcept { return g_internal_errors.load(); }

bool Connection::receive(std::string_view bytes, std::string& out) {
  decoder_.feed(bytes);
  for (;;) {
    auto packet = decoder_.next_view();
    if (!packet) return bad_packet(0, packet.error().detail);
    if (!*packet) return true;
    if (!handle(**packet, out)) return false;
  }
}

void Connection::close() {
  if (!session_) return;
  notify(Step::close, &Session::on_close);
  session_.reset();
  g_live_sessions.fetch_sub(1);
}

bool Connection::bad_packet(char command, const std::string& reason) {
  try {
    auto e = log::Event(*shared_.logger, log::Level::warning, "milter.bad_packet");
    if (command != 0) e.kv("command", std::string(1, command));
    e.kv("reason", reason);
  } catch (...) {  // logging must not turn bad input into a crash
  }
  return false;
}

bool Connection::handle(const wire::PacketView& p, std::string& out) {
  const char cmd = p.command;
  if (cmd == wire::kCmdOptneg) return negotiate(p.payload, out);
  if (!negotiated_) return bad_packet(cmd, "command before negotiation");
  switch (cmd) {
    case wire::kCmdMacro: return store_macros(p.payload);
    case wire::kCmdConnect: {
      auto c = wire::decode_connect(p.payload);
      if (!c) return bad_packet(cmd, c.error().detail);
      conn_info_ = conn_info(*c);
      step(Step::connect, out, [&](Session& s, Context& ctx) { return s.on_connect(ctx, *conn_info_); });
      return true;
    }
    case wire::kCmdHelo: {
      auto s = wire::split_exactly<1>(p.payload);
      if (!s) return bad_packet(cmd, s.error().detail);
      step(Step::helo, out, [&](Session& ss, Context& ctx) { return ss.on_helo(ctx, (*s)[0]); });
      return true;
    }
    case wire::kCmdMail:
    case wire::kCmdRcpt: {
      auto s = wire::split_strings(p.payload, 1, wire::kMaxArgs);
      if (!s) return bad_packet(cmd, s.error().detail);
      if (cmd == wire::kCmdMail) {
        // A new message: what an earlier message held is gone; a verdict held at CONNECT or
        // HELO is the SMTP session's, as if the MTA had waited for it, so it holds again.
        held_ = conn_held_;
        step(Step::envfrom, out, [&](Session& ss, Context& ctx) { return ss.on_envfrom(ctx, *s); });
      } else {
        step(Step::envrcpt, out, [&](Session& ss, Context& ctx) { return ss.on_envrcpt(ctx, *s); });
      }
      return true;
    }
    case wire::kCmdData: step(Step::data, out, [](Session& s, Context& ctx) { return s.on_data(ctx); }); return true;
    case wire::kCmdHeader: {
      auto s = wire::split_exactly<2>(p.payload);
      if (!s) return bad_packet(cmd, s.error().detail);
      step(Step::header, out, [&](Session& ss, Context& ctx) { return ss.on_header(ctx, (*s)[0], (*s)[1]); });
      return true;
    }
    case wire::kCmdEoh: step(Step::eoh, out, [](Session& s, Context& ctx) { return s.on_eoh(ctx); }); return true;
    case wire::kCmdBody:
      step(Step::body, out, [&](Session& s, Context& ctx) { return s.on_body(ctx, p.payload); });
      return true;
    case wire::kCmdEom:
      // An end of body may carry the last chunk (not from Postfix): the body hook sees it first.
      step(Step::eom, out, [&](Session& s, Context& ctx) {
        if (!p.payload.empty()) {
          Verdict v = s.on_body(ctx, p.payload);
          if (!v.is_continue() && v.action != Action::skip) return v;
        }
        return s.on_eom(ctx);
      });
      end_message();
      return true;
    case wire::kCmdUnknown: step(Step::unknown, out, [](Session&, Context&) { return Verdict::cont(); }); return true;
    case wire::kCmdAbort:
      notify(Step::abort, &Session::on_abort);
      end_message();
      return true;
    case wire::kCmdQuitNc:  // the connection serves a new SMTP client, negotiation kept
      close();
      conn_info_.reset();
      for (auto& stage : macros_) stage.clear();
      held_.reset();
      conn_held_.reset();
      return true;
    case wire::kCmdQuit: close(); return false;
    default: return bad_packet(cmd, "unknown command");
  }
}

bool Connection::negotiate(std::string_view payload, std::string& out) {
  auto offer = wire::decode_optneg(payload);
  if (!offer) return bad_packet(wire::kCmdOptneg, offer.error().detail);
  const MilterSpec& s = shared_.spec;
  if (offer->version < 2 || (offer->actions & s.actions) != s.actions) {
    try {
      log::Event(*shared_.logger, log::Level::error, "milter.negotiate_failed")
          .kv("reason", offer->version < 2 ? "protocol version too old" : "MTA does not offer the actions needed")
          .kv("version", static_cast<long long>(offer->version))
          .kv("offered", static_cast<long long>(offer->actions))
          .kv("needed", static_cast<long long>(s.actions));
    } catch (...) {}
    return false;
  }
  const std::uint32_t version = std::min(offer->version, wire::kProtocolVersion);
  const std::uint32_t protocol = protocol_flags(s, offer->protocol);
  const bool with_symlists = (offer->actions & wire::kActSetSymList) != 0;
  // The answer depends on the spec and the offer only, and the MTA makes the same offer on
  // every connection: each thread keeps its last answer, keyed by content (never by
  // address: a spec may live where another did), instead of parsing the macro lists and
  // encoding the packet again (~3k instructions per connection, callgrind).
  struct Memo {
    decltype(MilterSpec::macros) macros;
    std::uint32_t version = 0, spec_actions = 0, protocol = 0;
    bool with_symlists = false;
    std::uint32_t actions = 0;  // what the answer agrees to
    std::string packet;
  };
  thread_local Memo memo;
  if (memo.packet.empty() || memo.version != version || memo.spec_actions != s.actions || memo.protocol != protocol ||
      memo.with_symlists != with_symlists || memo.macros != s.macros) {
    wire::OptNeg answer;
    answer.version = version;
    answer.actions = s.actions;
    answer.protocol = protocol;
    if (with_symlists) {
      for (std::uint32_t stage = 0; stage < wire::kStageCount; ++stage) {
        if (s.macros[stage].empty()) continue;
        auto names = wire::parse_macro_list(s.macros[stage]);
        if (!names) continue;  // settings.cpp validated the lists; never send a bad one
        answer.symlists[stage] = std::move(*names);
        answer.actions |= wire::kActSetSymList;
      }
    }
    memo = Memo{s.macros,
                version,
                s.actions,
                protocol,
                with_symlists,
                answer.actions,
                wire::encode_packet(wire::kCmdOptneg, wire::encode_optneg(answer))};
  }
  out += memo.packet;
  negotiated_ = true;
  actions_ = memo.actions;
  protocol_ = protocol;
  return true;
}

bool Connection::store_macros(std::string_view payload) {
  auto m = wire::decode_macros(payload);
  if (!m) return bad_packet(wire::kCmdMacro, m.error().detail);
  if (auto stage = wire::macro_stage(m->command)) macros_[static_cast<std::size_t>(*stage)] = std::move(m->pairs);
  return true;  // macros for a command without a stage are ignored (libmilter did the same)
}

std::optional<std::string> Connection::macro(std::string_view name) const {
  // "i" and "{i}" name the same macro; the MTA may send either form.
  std::string alt;
  if (name.size() == 1)
    alt = "{" + std::string(name) + "}";
  else if (name.size() == 3 && name.front() == '{' && name.back() == '}')
    alt = std::string(name.substr(1, 1));
  for (auto stage = macros_.rbegin(); stage != macros_.rend(); ++stage)
    for (const auto& [n, v] : *stage)
      if (n == name || (!alt.empty() && n == alt)) return v;
  return std::nullopt;
}

void Connection::end_message() {
  held_.reset();
  for (auto s = static_cast<std::size_t>(wire::Stage::mail); s < wire::kStageCount; ++s) macros_[s].clear();
}

template <class Hook>
void Connection::step(Step step, std::string& out, Hook&& hook) {
  std::uint32_t bit = 0;
  switch (step) {
    case Step::connect: bit = wire::kNrConn; break;
    case Step::helo: bit = wire::kNrHelo; break;
    case Step::envfrom: bit = wire::kNrMail; break;
    case Step::envrcpt: bit = wire::kNrRcpt; break;
    case Step::data: bit = wire::kNrData; break;
    case Step::header: bit = wire::kNrHdr; break;
    case Step::eoh: bit = wire::kNrEoh; break;
    case Step::body: bit = wire::kNrBody; break;
    case Step::unknown: bit = wire::kNrUnkn; break;
    default: break;
  }
  const bool holds = (shared_.spec.no_reply & bit) != 0;  // the daemon gives no verdict here
  const bool silent = (protocol_ & bit) != 0;             // and the MTA waits for none
  Verdict v;
  if (held_) {  // this message was decided at an earlier no-reply step
    if (holds) {
      if (!silent) append_simple(out, wire::kRepContinue);
      return;
    }
    v = std::move(*held_);
    held_.reset();
  } else {
    v = call(step, out, hook);
  }
  if (holds) {
    // skip cannot be given without a reply: the rest of the body just keeps coming.
    if (!v.is_continue() && v.action != Action::skip) {
      if (step == Step::connect || step == Step::helo) conn_held_ = v;
      held_ = std::move(v);
    }
    if (!silent) append_simple(out, wire::kRepContinue);
    return;
  }
  append_verdict(v, step, out);
}

template <class Hook>
Verdict Connection::call(Step step, std::string& out, Hook&& hook) {
  HookGuard guard;
  try {
    if (!session_) {
      session_ = shared_.factory(conn_info_.value_or(ConnInfo{}));
      if (!session_) throw std::runtime_error("session factory returned no session");
      g_live_sessions.fetch_add(1);
    }
    ConnectionContext ctx(*this, step == Step::eom, out);
    return hook(*session_, ctx);
  } catch (const std::exception& e) {
    return internal_error(step, e.what());
  } catch (...) {
    return internal_error(step, "unknown exception");
  }
}

void Connection::notify(Step step, void (Session::*hook)(Context&)) {
  if (!session_) return;
  HookGuard guard;
  std::string ignored;  // no modifications outside EOM
  try {
    ConnectionContext ctx(*this, false, ignored);
    ((*session_).*hook)(ctx);
  } catch (const std::exception& e) {
    internal_error(step, e.what());
  } catch (...) {
    internal_error(step, "unknown exception");
  }
}

Verdict Connection::internal_error(Step step, const char* what) {
  g_internal_errors.fetch_add(1);
  try {
    log::Event(*shared_.logger, log::Level::error, "milter.internal_error")
        .kv("qid", macro("i").value_or(std::string()))
        .kv("stage", step_name(static_cast<int>(step)))
        .kv("error", what);
  } catch (...) {  // logging must not turn an error into a crash
  }
  return failure_verdict(shared_.spec.on_internal_error);
}

void Connection::append_verdict(const Verdict& v, Step step, std::string& out) {
  switch (v.action) {
    case Action::continue_: append_simple(out, wire::kRepContinue); return;
    case Action::accept: append_simple(out, wire::kRepAccept); return;
    case Action::reject: append_simple(out, wire::kRepReject); return;
    case Action::tempfail: append_simple(out, wire::kRepTempfail); return;
    case Action::discard: append_simple(out, wire::kRepDiscard); return;
    case Action::skip:
      append_simple(out, step == Step::body && (protocol_ & wire::kSkip) != 0 ? wire::kRepSkip : wire::kRepContinue);
      return;
    case Action::reply: {
      const bool permanent = !v.code.empty() && v.code[0] == '5';
      auto text = wire::format_reply_text(v.code, v.xcode, v.text);
      if (text) {
        out += wire::encode_packet(wire::kRepReplyCode, *text + std::string(1, '\0'));
        return;
      }
      try {
        log::Event(*shared_.logger, log::Level::warning, "milter.bad_reply")
            .kv("qid", macro("i").value_or(std::string()))
            .kv("code", v.code)
            .kv("xcode", v.xcode)
            .kv("reason", text.error().detail);
      } catch (...) {}
      append_simple(out, permanent ? wire::kRepReject : wire::kRepTempfail);
      return;
    }
  }
  append_simple(out, wire::kRepTempfail);
}

}  // namespace cachet::milter
