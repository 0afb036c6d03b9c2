// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/callbacks.cpp: the extern "C" callbacks libmilter calls, and the Context
// they hand to Sessions. Every callback is noexcept and runs the Session inside try/catch:
// an exception becomes `milter.internal_error` and the configured failure action, so no
// exception unwinds through libmilter. The per-connection state (Conn) lives in
// smfi_setpriv from the first callback of a connection until xxfi_close, which accepts a
// connection that never got one. Steps negotiated as no-reply (SMFIP_NR_*) must answer
// SMFIS_NOREPLY, so a non-continue verdict there is held and given at the next step that
// replies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "common/milter/layer_internal.hpp"

namespace cachet::milter::detail {

std::atomic<Shared*> g_shared{nullptr};
std::atomic<long> g_live_sessions{0};
std::atomic<long> g_internal_errors{0};
std::atomic<long> g_hooks_running{0};

namespace {

enum class Step { negotiate, connect, helo, envfrom, envrcpt, data, header, eoh, body, eom, abort, close };

const char* step_name(Step s) {
  switch (s) {
    case Step::negotiate: return "negotiate";
    case Step::connect: return "connect";
    case Step::helo: return "helo";
    case Step::envfrom: return "envfrom";
    case Step::envrcpt: return "envrcpt";
    case Step::data: return "data";
    case Step::header: return "header";
    case Step::eoh: return "eoh";
    case Step::body: return "body";
    case Step::eom: return "eom";
    case Step::abort: return "abort";
    case Step::close: return "close";
  }
  return "?";
}

std::uint32_t no_reply_bit(Step s) {
  switch (s) {
    case Step::connect: return wire::kNrConn;
    case Step::helo: return wire::kNrHelo;
    case Step::envfrom: return wire::kNrMail;
    case Step::envrcpt: return wire::kNrRcpt;
    case Step::data: return wire::kNrData;
    case Step::header: return wire::kNrHdr;
    case Step::eoh: return wire::kNrEoh;
    case Step::body: return wire::kNrBody;
    default: return 0;
  }
}

struct Conn {
  std::unique_ptr<Session> session;
  std::optional<Verdict> deferred;  // from a no-reply step, for the next replying step
  std::uint32_t actions = 0;        // negotiated SMFIF_* (spec's until negotiation)
  bool skip_ok = false;
  bool leading_space = false;
  ~Conn() {
    if (session) g_live_sessions.fetch_sub(1);
  }
};

Conn* find_conn(SMFICTX* ctx) { return static_cast<Conn*>(smfi_getpriv(ctx)); }

// With SMFIC_QUIT_NC a connection starts again without negotiation: the Conn then gets
// the conservative defaults (no skip, no leading space).
Conn& ensure_conn(SMFICTX* ctx, const Shared& sh) {
  if (Conn* c = find_conn(ctx)) return *c;
  auto c = std::make_unique<Conn>();
  c->actions = sh.spec.actions;
  smfi_setpriv(ctx, c.get());
  return *c.release();  // owned by libmilter's ctx until cb_close deletes it
}

std::string str(std::string_view s) { return std::string(s); }

class MilterContext final : public Context {
 public:
  MilterContext(SMFICTX* ctx, const Conn& conn, bool at_eom) : ctx_(ctx), conn_(conn), at_eom_(at_eom) {}

  std::optional<std::string> macro(std::string_view name) const override {
    std::string n(name);
    const char* v = smfi_getsymval(ctx_, n.data());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  bool has_leading_space() const override { return conn_.leading_space; }

  Result<void> add_header(std::string_view name, std::string_view value) override {
    if (auto ok = allowed(wire::kActAddHdrs, "add_header"); !ok) return ok;
    auto n = str(name), v = str(value);
    return done(smfi_addheader(ctx_, n.data(), v.data()), "add_header");
  }
  Result<void> insert_header(int index, std::string_view name, std::string_view value) override {
    if (auto ok = allowed(wire::kActAddHdrs, "insert_header"); !ok) return ok;
    if (index < 0) return fail(Errc::internal, "insert_header: negative index");
    auto n = str(name), v = str(value);
    return done(smfi_insheader(ctx_, index, n.data(), v.data()), "insert_header");
  }
  Result<void> change_header(std::string_view name, int occurrence, std::string_view value) override {
    if (auto ok = allowed(wire::kActChgHdrs, "change_header"); !ok) return ok;
    if (occurrence < 1) return fail(Errc::internal, "change_header: occurrence starts at 1");
    auto n = str(name), v = str(value);
    return done(smfi_chgheader(ctx_, n.data(), occurrence, v.data()), "change_header");
  }
  Result<void> quarantine(std::string_view reason) override {
    if (auto ok = allowed(wire::kActQuarantine, "quarantine"); !ok) return ok;
    auto r = str(reason);
    return done(smfi_quarantine(ctx_, r.data()), "quarantine");
  }
  Result<void> add_rcpt(std::string_view rcpt, std::string_view args) override {
    auto r = str(rcpt), a = str(args);
    if (args.empty()) {
      if (auto ok = allowed(wire::kActAddRcpt, "add_rcpt"); !ok) return ok;
      return done(smfi_addrcpt(ctx_, r.data()), "add_rcpt");
    }
    if (auto ok = allowed(wire::kActAddRcptPar, "add_rcpt"); !ok) return ok;
    return done(smfi_addrcpt_par(ctx_, r.data(), a.data()), "add_rcpt");
  }
  Result<void> del_rcpt(std::string_view rcpt) override {
    if (auto ok = allowed(wire::kActDelRcpt, "del_rcpt"); !ok) return ok;
    auto r = str(rcpt);
    return done(smfi_delrcpt(ctx_, r.data()), "del_rcpt");
  }
  Result<void> change_from(std::string_view from, std::string_view args) override {
    if (auto ok = allowed(wire::kActChgFrom, "change_from"); !ok) return ok;
    auto f = str(from), a = str(args);
    return done(smfi_chgfrom(ctx_, f.data(), args.empty() ? nullptr : a.data()), "change_from");
  }
  Result<void> replace_body(std::string_view body) override {
    if (auto ok = allowed(wire::kActChgBody, "replace_body"); !ok) return ok;
    std::string b(body);
    return done(smfi_replacebody(ctx_, reinterpret_cast<unsigned char*>(b.data()), static_cast<int>(b.size())),
                "replace_body");
  }
  Result<void> progress() override {
    if (!at_eom_) return fail(Errc::internal, "progress outside end-of-message");
    return done(smfi_progress(ctx_), "progress");
  }

 private:
  Result<void> allowed(std::uint32_t action, const char* what) const {
    if (!at_eom_) return fail(Errc::internal, std::string(what) + " outside end-of-message");
    if ((conn_.actions & action) == 0) return fail(Errc::config, std::string(what) + ": action not negotiated");
    return {};
  }
  static Result<void> done(int rc, const char* what) {
    if (rc == MI_SUCCESS) return {};
    return fail(Errc::temporary, std::string("smfi_") + what + " failed");
  }

  SMFICTX* ctx_;
  const Conn& conn_;
  bool at_eom_;
};

Verdict failure_verdict(FailureAction a) {
  switch (a) {
    case FailureAction::accept: return Verdict::accept();
    case FailureAction::reject: return Verdict::reject();
    case FailureAction::tempfail: return Verdict::tempfail();
  }
  return Verdict::tempfail();
}

std::string queue_id(SMFICTX* ctx) {
  char name[] = "i";
  const char* v = smfi_getsymval(ctx, name);
  return v != nullptr ? std::string(v) : std::string();
}

Verdict internal_error(SMFICTX* ctx, const Shared& sh, Step step, const char* what) noexcept {
  g_internal_errors.fetch_add(1);
  try {
    log::Event(*sh.logger, log::Level::error, "milter.internal_error")
        .kv("qid", queue_id(ctx))
        .kv("stage", step_name(step))
        .kv("error", what);
  } catch (...) {  // logging must not turn an error into a crash
  }
  return failure_verdict(sh.spec.on_internal_error);
}

sfsistat to_status(SMFICTX* ctx, const Shared& sh, const Verdict& v, Step step, bool skip_ok) {
  switch (v.action) {
    case Action::continue_: return SMFIS_CONTINUE;
    case Action::accept: return SMFIS_ACCEPT;
    case Action::reject: return SMFIS_REJECT;
    case Action::tempfail: return SMFIS_TEMPFAIL;
    case Action::discard: return SMFIS_DISCARD;
    case Action::skip: return step == Step::body && skip_ok ? SMFIS_SKIP : SMFIS_CONTINUE;
    case Action::reply: {
      auto code = v.code, xcode = v.xcode, text = v.text;
      if (smfi_setreply(ctx, code.data(), xcode.empty() ? nullptr : xcode.data(),
                        text.empty() ? nullptr : text.data()) != MI_SUCCESS)
        log::Event(*sh.logger, log::Level::warning, "milter.bad_reply")
            .kv("qid", queue_id(ctx))
            .kv("code", code)
            .kv("xcode", xcode);
      return !code.empty() && code[0] == '5' ? SMFIS_REJECT : SMFIS_TEMPFAIL;
    }
  }
  return SMFIS_TEMPFAIL;
}

struct HookGuard {
  HookGuard() noexcept { g_hooks_running.fetch_add(1); }
  ~HookGuard() { g_hooks_running.fetch_sub(1); }
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
};

// Runs `hook(session, context)` for one step with all the rules above.
template <class Hook>
sfsistat dispatch(SMFICTX* ctx, Step step, const ConnInfo* info, Hook&& hook) noexcept {
  Shared* sh = g_shared.load();
  if (sh == nullptr) return SMFIS_TEMPFAIL;  // callbacks only run after open()
  HookGuard guard;
  const bool no_reply = (sh->spec.no_reply & no_reply_bit(step)) != 0;
  Conn* conn = nullptr;
  Verdict v;
  try {
    conn = &ensure_conn(ctx, *sh);
    if (step == Step::envfrom) conn->deferred.reset();  // a new message
    if (conn->deferred) {                               // this message was decided at an earlier no-reply step
      if (no_reply) return SMFIS_NOREPLY;
      v = *conn->deferred;
      conn->deferred.reset();
      return to_status(ctx, *sh, v, step, conn->skip_ok);
    }
    if (!conn->session) {
      conn->session = sh->factory(info != nullptr ? *info : ConnInfo{});
      if (!conn->session) throw std::runtime_error("session factory returned no session");
      g_live_sessions.fetch_add(1);
    }
    MilterContext mc(ctx, *conn, step == Step::eom);
    v = hook(*conn->session, mc);
  } catch (const std::exception& e) {
    v = internal_error(ctx, *sh, step, e.what());
  } catch (...) {
    v = internal_error(ctx, *sh, step, "unknown exception");
  }
  if (no_reply) {
    // skip cannot be sent without a reply: the rest of the body just keeps coming.
    if (!v.is_continue() && v.action != Action::skip && conn != nullptr) conn->deferred = v;
    return SMFIS_NOREPLY;
  }
  try {
    return to_status(ctx, *sh, v, step, conn != nullptr && conn->skip_ok);
  } catch (...) {
    return SMFIS_TEMPFAIL;
  }
}

// Runs a hook that has no verdict (abort, close) on an existing session.
template <class Hook>
void notify(SMFICTX* ctx, const Shared& sh, Conn& conn, Step step, Hook&& hook) noexcept {
  if (!conn.session) return;
  HookGuard guard;
  try {
    MilterContext mc(ctx, conn, false);
    hook(*conn.session, mc);
  } catch (const std::exception& e) {
    internal_error(ctx, sh, step, e.what());
  } catch (...) {
    internal_error(ctx, sh, step, "unknown exception");
  }
}

std::vector<std::string_view> argv_views(char** argv) {
  std::vector<std::string_view> out;
  for (; argv != nullptr && *argv != nullptr; ++argv) out.emplace_back(*argv);
  return out;
}

ConnInfo conn_info(const char* host, const sockaddr* addr) {
  ConnInfo info;
  info.known = true;
  info.hostname = host != nullptr ? host : "";
  if (addr == nullptr) return info;
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    info.family = ConnInfo::Family::inet;
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr) info.address = buf;
    info.port = ntohs(in->sin_port);
  } else if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    info.family = ConnInfo::Family::inet6;
    if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) != nullptr) info.address = buf;
    info.port = ntohs(in6->sin6_port);
  } else if (addr->sa_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(addr);
    info.family = ConnInfo::Family::unix_;
    info.address.assign(un->sun_path, strnlen(un->sun_path, sizeof un->sun_path));
  }
  return info;
}

unsigned long protocol_flags(const MilterSpec& s, unsigned long offered, Conn& conn) {
  unsigned long proto = 0;
  const auto skip_step = [&](bool wanted, unsigned long bit) {
    if (!wanted && (offered & bit) != 0) proto |= bit;
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
  // libmilter answers "continue" itself for NR_* steps the MTA does not know.
  proto |= s.no_reply & (wire::kNrConn | wire::kNrHelo | wire::kNrMail | wire::kNrRcpt | wire::kNrData | wire::kNrUnkn |
                         wire::kNrHdr | wire::kNrEoh | wire::kNrBody);
  conn.leading_space = s.header_leading_space && (offered & wire::kHdrLeadSpc) != 0;
  if (conn.leading_space) proto |= wire::kHdrLeadSpc;
  conn.skip_ok = s.want_skip && (offered & wire::kSkip) != 0;
  if (conn.skip_ok) proto |= wire::kSkip;
  return proto;
}

}  // namespace

extern "C" {

static sfsistat cb_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                             unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) noexcept {
  Shared* sh = g_shared.load();
  if (sh == nullptr) return SMFIS_REJECT;
  try {
    Conn& conn = ensure_conn(ctx, *sh);
    const MilterSpec& s = sh->spec;
    if ((f0 & s.actions) != s.actions) {
      log::Event(*sh->logger, log::Level::error, "milter.negotiate_failed")
          .kv("reason", "MTA does not offer the actions needed")
          .kv("offered", static_cast<long long>(f0))
          .kv("needed", static_cast<long long>(s.actions));
      return SMFIS_REJECT;  // libmilter drops the connection; the MTA applies its default
    }
    unsigned long actions = s.actions;
    if ((f0 & wire::kActSetSymList) != 0) {
      for (std::uint32_t stage = 0; stage < wire::kStageCount; ++stage) {
        std::string list = s.macros[stage];
        if (list.empty()) continue;
        if (smfi_setsymlist(ctx, static_cast<int>(stage), list.data()) == MI_SUCCESS) actions |= wire::kActSetSymList;
      }
    }
    *pf0 = actions;
    *pf1 = protocol_flags(s, f1, conn);
    *pf2 = 0;
    *pf3 = 0;
    conn.actions = static_cast<std::uint32_t>(actions);
    return SMFIS_CONTINUE;
  } catch (const std::exception& e) {
    internal_error(ctx, *sh, Step::negotiate, e.what());
  } catch (...) {
    internal_error(ctx, *sh, Step::negotiate, "unknown exception");
  }
  return SMFIS_REJECT;
}

static sfsistat cb_connect(SMFICTX* ctx, char* host, _SOCK_ADDR* addr) noexcept {
  ConnInfo info;
  try {
    info = conn_info(host, addr);
  } catch (...) {  // bad_alloc: the session then sees an unknown client
  }
  return dispatch(ctx, Step::connect, &info, [&](Session& s, Context& c) { return s.on_connect(c, info); });
}

static sfsistat cb_helo(SMFICTX* ctx, char* helo) noexcept {
  return dispatch(ctx, Step::helo, nullptr,
                  [&](Session& s, Context& c) { return s.on_helo(c, helo != nullptr ? helo : ""); });
}

static sfsistat cb_envfrom(SMFICTX* ctx, char** argv) noexcept {
  return dispatch(ctx, Step::envfrom, nullptr,
                  [&](Session& s, Context& c) { return s.on_envfrom(c, argv_views(argv)); });
}

static sfsistat cb_envrcpt(SMFICTX* ctx, char** argv) noexcept {
  return dispatch(ctx, Step::envrcpt, nullptr,
                  [&](Session& s, Context& c) { return s.on_envrcpt(c, argv_views(argv)); });
}

static sfsistat cb_data(SMFICTX* ctx) noexcept {
  return dispatch(ctx, Step::data, nullptr, [](Session& s, Context& c) { return s.on_data(c); });
}

static sfsistat cb_header(SMFICTX* ctx, char* name, char* value) noexcept {
  return dispatch(ctx, Step::header, nullptr, [&](Session& s, Context& c) {
    return s.on_header(c, name != nullptr ? name : "", value != nullptr ? value : "");
  });
}

static sfsistat cb_eoh(SMFICTX* ctx) noexcept {
  return dispatch(ctx, Step::eoh, nullptr, [](Session& s, Context& c) { return s.on_eoh(c); });
}

static sfsistat cb_body(SMFICTX* ctx, unsigned char* chunk, size_t len) noexcept {
  return dispatch(ctx, Step::body, nullptr, [&](Session& s, Context& c) {
    return s.on_body(c, std::string_view(reinterpret_cast<const char*>(chunk), len));
  });
}

static sfsistat cb_eom(SMFICTX* ctx) noexcept {
  return dispatch(ctx, Step::eom, nullptr, [](Session& s, Context& c) { return s.on_eom(c); });
}

static sfsistat cb_abort(SMFICTX* ctx) noexcept {
  Shared* sh = g_shared.load();
  Conn* conn = find_conn(ctx);
  if (sh == nullptr || conn == nullptr) return SMFIS_CONTINUE;
  conn->deferred.reset();
  notify(ctx, *sh, *conn, Step::abort, [](Session& s, Context& c) { s.on_abort(c); });
  return SMFIS_CONTINUE;
}

// May be the only callback of a connection (e.g. the MTA hung up before negotiating).
static sfsistat cb_close(SMFICTX* ctx) noexcept {
  Shared* sh = g_shared.load();
  std::unique_ptr<Conn> conn(find_conn(ctx));
  if (!conn) return SMFIS_CONTINUE;
  smfi_setpriv(ctx, nullptr);
  if (sh != nullptr) notify(ctx, *sh, *conn, Step::close, [](Session& s, Context& c) { s.on_close(c); });
  return SMFIS_CONTINUE;
}

}  // extern "C"

smfiDesc make_filter_description(Shared& shared) {
  smfiDesc d{};
  d.xxfi_name = shared.spec.name.data();
  d.xxfi_version = SMFI_VERSION;
  d.xxfi_flags = shared.spec.actions;
  d.xxfi_connect = cb_connect;
  d.xxfi_helo = cb_helo;
  d.xxfi_envfrom = cb_envfrom;
  d.xxfi_envrcpt = cb_envrcpt;
  d.xxfi_header = cb_header;
  d.xxfi_eoh = cb_eoh;
  d.xxfi_body = cb_body;
  d.xxfi_eom = cb_eom;
  d.xxfi_abort = cb_abort;
  d.xxfi_close = cb_close;
  d.xxfi_unknown = nullptr;
  d.xxfi_data = cb_data;
  d.xxfi_negotiate = cb_negotiate;
  return d;
}

}  // namespace cachet::milter::detail
