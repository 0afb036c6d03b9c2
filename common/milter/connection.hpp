// SPDX-License-Identifier: BSD-2-Clause
//
// common/milter/connection.hpp: one MTA connection's side of the milter protocol, without
// I/O. receive() takes the bytes the MTA sent (any cut), decodes every whole packet in
// them (wire.hpp), runs the Session's hooks and appends what goes back to `out`, so the
// server (runner.cpp) reads whatever has arrived and answers with one write.
//
// Protocol rules kept here:
// - OPTNEG first: the answer asks for the steps, actions and macro lists in MilterSpec
//   that the MTA offered; an MTA that does not offer the actions the spec needs gets no
//   answer (`milter.negotiate_failed`, connection closed: the MTA applies its default).
// - The Session is made by the factory at CONNECT (or lazily at the first hook when the
//   connect step is not negotiated) and ends with on_close at QUIT, QUIT_NC (the
//   connection then serves a new SMTP client, negotiation kept) or close().
// - Steps the MTA agreed not to wait for (SMFIP_NR_*) get no reply; a non-continue
//   verdict there is held and given at the next step that replies (at the latest at EOM).
//   One held at CONNECT or HELO is the SMTP session's (as the MTA applies a connect-stage
//   accept or reject): it is held again at every MAIL until QUIT_NC, without hooks; one
//   held in a message ends with it (EOM, ABORT, or the next MAIL).
//   Steps the spec wanted unanswered but the MTA did not agree to are answered "continue".
// - Modifications are packets appended to `out` during on_eom, before the final reply;
//   progress() sends at once through `send_now`.
// - Macros: each 'D' packet replaces its stage's set; the message's stages (MAIL onwards)
//   are cleared when the message ends (EOM answered, ABORT). Lookup goes from the latest
//   stage back to CONNECT, "i" and "{i}" alike.
// - A hook that throws: `milter.internal_error` and MilterSpec::on_internal_error.
// - Malformed input (framing, a packet that does not decode, an unknown command, any
//   command before OPTNEG): `milter.bad_packet`, receive() returns false; nothing after it
//   is read. Commands out of the SMTP order are passed on: Sessions cope with any order.
// Thread-safety: one thread at a time per Connection; the counters are process-wide atomics.
// See also: session.hpp (what a daemon implements), runner.hpp (the sockets and threads),
// tests/unit/common/milter/connection_test.cpp, tests/fuzz/fuzz_milter_server.cpp.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/log/logger.hpp"
#include "common/milter/session.hpp"
#include "common/milter/wire.hpp"

namespace cachet::milter {

using SessionFactory = std::function<std::unique_ptr<Session>(const ConnInfo&)>;

// What every connection of one server shares; must outlive them.
struct ConnectionShared {
  MilterSpec spec;
  SessionFactory factory;
  log::Logger* logger = nullptr;
};

class Connection {
 public:
  // Writes bytes to the MTA at once (progress during a long on_eom); false when it failed.
  using SendNow = std::function<bool(std::string_view)>;

  Connection(const ConnectionShared& shared, SendNow send_now);
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Decodes and handles every whole packet in what has arrived so far; appends the bytes
  // to send back to `out`. false: the connection must be closed (after sending `out`).
  [[nodiscard]] bool receive(std::string_view bytes, std::string& out);
  // The connection is gone: on_close, then the Session is deleted. Idempotent.
  void close();

  // Process-wide: Sessions alive, hooks running now, internal errors so far.
  static long live_sessions() noexcept;
  static long hooks_running() noexcept;
  static long internal_errors() noexcept;

 private:
  friend class ConnectionContext;
  enum class Step { negotiate, connect, helo, envfrom, envrcpt, data, header, eoh, body, eom, unknown, abort, close };

  bool handle(const wire::PacketView& packet, std::string& out);
  bool negotiate(std::string_view payload, std::string& out);
  bool store_macros(std::string_view payload);
  bool bad_packet(char command, const std::string& reason);
  // Runs one replying-or-not step: held verdicts, the hook, the answer.
  template <class Hook>
  void step(Step step, std::string& out, Hook&& hook);
  template <class Hook>
  Verdict call(Step step, std::string& out, Hook&& hook);
  void notify(Step step, void (Session::*hook)(Context&));
  void append_verdict(const Verdict& v, Step step, std::string& out);
  Verdict internal_error(Step step, const char* what);
  void end_message();
  std::optional<std::string> macro(std::string_view name) const;

  const ConnectionShared& shared_;
  SendNow send_now_;
  wire::PacketDecoder decoder_;
  bool negotiated_ = false;
  std::uint32_t actions_ = 0;   // agreed SMFIF_*
  std::uint32_t protocol_ = 0;  // agreed SMFIP_*
  std::unique_ptr<Session> session_;
  std::optional<ConnInfo> conn_info_;  // from CONNECT, for a lazily made Session
  std::optional<Verdict> held_;        // from a no-reply step, for the next replying step
  std::optional<Verdict> conn_held_;   // from a no-reply CONNECT/HELO: again at every MAIL
  std::array<std::vector<std::pair<std::string, std::string>>, wire::kStageCount> macros_;
};

}  // namespace cachet::milter
