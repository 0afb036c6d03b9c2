// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/session.hpp: what a milter daemon implements and sees, free of protocol
// types. A daemon derives from Session (one instance per MTA connection), returns a Verdict
// from each hook, and uses Context for macros (every hook) and modifications (on_eom only).
// MilterSpec declares what the daemon negotiates. runner.hpp serves it (connection.hpp
// speaks the protocol).
//
// Threading: a Session's hooks never run concurrently; keep no thread-locals per session
// all the same (a connection's thread serves other connections before and after it).
// Errors: hooks should return Verdicts, not throw; whatever escapes is caught by the layer,
// logged as `milter.internal_error` and turned into MilterSpec::on_internal_error.
// See also: runner.hpp, buffers.hpp, tests/lib/fake_context.hpp (unit tests of daemon glue).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/milter/wire.hpp"

namespace cachet::milter {

// NOLINTNEXTLINE(readability-identifier-naming): "continue" is a keyword
enum class Action { continue_, accept, reject, tempfail, discard, skip, reply };

// The answer to one protocol step. `reply` carries an SMTP reply: code 4xx (tempfail) or
// 5xx (reject), optional enhanced code "x.y.z", text without control bytes (<= 980 bytes;
// otherwise the layer logs milter.bad_reply and answers reject or tempfail by the code).
struct Verdict {
  Action action = Action::continue_;
  std::string code, xcode, text;

  static Verdict cont() { return {}; }
  static Verdict accept() { return {Action::accept, {}, {}, {}}; }
  static Verdict reject() { return {Action::reject, {}, {}, {}}; }
  static Verdict tempfail() { return {Action::tempfail, {}, {}, {}}; }
  static Verdict discard() { return {Action::discard, {}, {}, {}}; }
  // Skip the rest of the body (only honoured in on_body when the MTA offered SMFIP_SKIP,
  // otherwise it is continue).
  static Verdict skip() { return {Action::skip, {}, {}, {}}; }
  static Verdict reply(std::string code, std::string xcode, std::string text) {
    return {Action::reply, std::move(code), std::move(xcode), std::move(text)};
  }
  bool is_continue() const noexcept { return action == Action::continue_; }
};

// The SMTP client as the MTA reported it in the connect step. known == false when the
// connect step was not negotiated (SMFIP_NOCONNECT); a client whose address the MTA did
// not know has family unknown and no address.
struct ConnInfo {
  // NOLINTNEXTLINE(readability-identifier-naming): "unix" is a GCC macro
  enum class Family { unknown, inet, inet6, unix_ };
  bool known = false;
  std::string hostname;  // Postfix sends "[ip]" when the name is unknown
  Family family = Family::unknown;
  std::string address;  // textual IP (or socket path for unix)
  std::uint16_t port = 0;
};

// Access to the MTA for the current step. Modifications are valid only during on_eom and
// only for actions declared in MilterSpec::actions; otherwise they return Errc::internal
// (wrong step) or Errc::config (action not negotiated). An MTA I/O failure is
// Errc::temporary. Header indexes follow the protocol: insert_header(0, ...) puts the field
// first; change/delete use the 1-based occurrence index among fields of that name.
class Context {
 public:
  virtual ~Context() = default;
  // A macro by name, "i" and "{i}" both work; nullopt when the MTA did not send it.
  virtual std::optional<std::string> macro(std::string_view name) const = 0;
  // The queue id (macro i) or "" — for log lines.
  std::string queue_id() const { return macro("i").value_or(std::string()); }
  // True when header values arrive with their leading space (SMFIP_HDR_LEADSPC agreed).
  virtual bool has_leading_space() const = 0;

  [[nodiscard]] virtual Result<void> add_header(std::string_view name, std::string_view value) = 0;
  [[nodiscard]] virtual Result<void> insert_header(int index, std::string_view name, std::string_view value) = 0;
  [[nodiscard]] virtual Result<void> change_header(std::string_view name, int occurrence, std::string_view value) = 0;
  [[nodiscard]] Result<void> delete_header(std::string_view name, int occurrence) {
    return change_header(name, occurrence, {});
  }
  [[nodiscard]] virtual Result<void> quarantine(std::string_view reason) = 0;
  [[nodiscard]] virtual Result<void> add_rcpt(std::string_view rcpt, std::string_view esmtp_args = {}) = 0;
  [[nodiscard]] virtual Result<void> del_rcpt(std::string_view rcpt) = 0;
  [[nodiscard]] virtual Result<void> change_from(std::string_view from, std::string_view esmtp_args = {}) = 0;
  [[nodiscard]] virtual Result<void> replace_body(std::string_view body) = 0;
  // Keep-alive during a long on_eom (resets the MTA's timeout).
  [[nodiscard]] virtual Result<void> progress() = 0;
};

// One instance per MTA connection, created by the daemon's factory on the first step of
// the connection and deleted when it closes. Every hook has a do-nothing default.
class Session {
 public:
  virtual ~Session() = default;
  virtual Verdict on_connect(Context&, const ConnInfo&) { return Verdict::cont(); }
  virtual Verdict on_helo(Context&, std::string_view /*helo*/) { return Verdict::cont(); }
  // args[0] is the address as given (with <>), the rest are ESMTP parameters. A new
  // message starts here: reset per-message state (a verdict other than continue at any
  // message step ends the message without an on_abort).
  virtual Verdict on_envfrom(Context&, const std::vector<std::string_view>& /*args*/) { return Verdict::cont(); }
  virtual Verdict on_envrcpt(Context&, const std::vector<std::string_view>& /*args*/) { return Verdict::cont(); }
  virtual Verdict on_data(Context&) { return Verdict::cont(); }
  virtual Verdict on_header(Context&, std::string_view /*name*/, std::string_view /*value*/) { return Verdict::cont(); }
  virtual Verdict on_eoh(Context&) { return Verdict::cont(); }
  virtual Verdict on_body(Context&, std::string_view /*chunk*/) { return Verdict::cont(); }
  virtual Verdict on_eom(Context&) { return Verdict::cont(); }
  // The MTA aborted the message; the connection stays: reset per-message state.
  virtual void on_abort(Context&) {}
  // Last call before deletion (the connection is gone or quit).
  virtual void on_close(Context&) {}
};

enum class FailureAction { accept, reject, tempfail };

// Which protocol steps the daemon needs. A step it does not need is not sent by the MTA
// (SMFIP_NO*), which saves a round trip each.
struct Steps {
  bool connect = true, helo = false, envfrom = true, envrcpt = false, data = false, headers = true, eoh = true,
       body = true, unknown = false;
};

// What the daemon negotiates with the MTA at each connection.
struct MilterSpec {
  std::string name = "cachet";
  std::uint32_t actions = 0;  // wire::kAct* the daemon may request at EOM
  Steps steps;
  // wire::kNr* bits: steps whose replies the MTA should not wait for. A hook at such a
  // step may still return a non-continue verdict: the layer holds it and gives it at the
  // next step that has a reply (at the latest at EOM).
  std::uint32_t no_reply = 0;
  bool header_leading_space = false;  // SMFIP_HDR_LEADSPC (opendkim asks for it)
  bool want_skip = false;             // allow Verdict::skip() in on_body
  // Per wire::Stage, a macro list for SETSYMLIST ("" = the MTA's default list).
  std::array<std::string, wire::kStageCount> macros{};
  FailureAction on_internal_error = FailureAction::tempfail;
};

}  // namespace cachet::milter
