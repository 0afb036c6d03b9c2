// SPDX-License-Identifier: BSD-2-Clause
//
// tests/lib/milter_client.hpp: the project's milter client, speaking protocol 6 the way
// Postfix 3.7 does (conformance.md s7): OPTNEG offering Postfix's actions and steps,
// honouring the filter's answer (NO* steps are not sent, NR_* steps get no reply read,
// SETSYMLIST lists replace Postfix's default macro lists), macros before each step, header
// values without their leading space unless SMFIP_HDR_LEADSPC, body in chunks <= 65535.
// Used by integration tests and benchmarks (many messages per connection, many
// connections: one client per connection, not thread-safe).
// Errors: Errc::temporary for socket trouble and timeouts, Errc::bad_input for anything
// malformed or out of order from the filter (the connection is then closed); never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/fd.hpp"
#include "common/base/result.hpp"
#include "common/milter/wire.hpp"

namespace cachet::testlib {

// Postfix 3.7's offer and default macro lists.
inline constexpr std::uint32_t kPostfixActions = milter::wire::kActAll;
inline constexpr std::uint32_t kPostfixProtocol = milter::wire::kProtoAll;
std::vector<std::string> postfix_default_macros(milter::wire::Stage stage);

struct ClientOptions {
  std::uint32_t version = milter::wire::kProtocolVersion;
  std::uint32_t actions = kPostfixActions;
  std::uint32_t protocol = kPostfixProtocol;
  int timeout_ms = 10000;  // per reply
};

// What one step produced. `skipped`: not sent (the filter negotiated NO<step>);
// `no_reply`: sent, reply not awaited (NR_<step>).
struct StepResult {
  milter::wire::Reply reply;                       // the final reply ('c' when skipped or no_reply)
  std::vector<milter::wire::Reply> modifications;  // only at end of message
  int progress = 0;
  bool skipped = false;
  bool no_reply = false;
  char command() const noexcept { return reply.command; }
};

struct Message {
  // Connection (sent once per connection, by the first send_message).
  std::string client_name = "client.example";
  char family = '4';  // '4', '6', 'L' (unix) or 'U' (unknown: no port or address)
  std::uint16_t port = 54321;
  std::string client_addr = "192.0.2.1";
  std::string helo = "client.example";
  // Envelope: argv[0] is the address with <>, then ESMTP args.
  std::vector<std::string> mail = {"<sender@example.org>"};
  std::vector<std::vector<std::string>> rcpts = {{"<rcpt@example.com>"}};
  // Header fields; value as after the colon in the message, normally with a leading space.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // CRLF line ends, as Postfix sends it
  // Macro values by name ("i", "{auth_authen}"); each step sends those of its list that
  // have a value here.
  std::map<std::string, std::string> macros;
};

struct Transaction {
  char final_command = 0;  // 'c' 'a' 'r' 't' 'd' 'y' of the step that ended it
  std::string final_step;  // "eom" or the step that ended the message early
  std::string reply_text;  // for 'y'
  std::vector<milter::wire::Reply> modifications;
  int progress = 0;
  bool accepted() const noexcept { return final_command == 'c' || final_command == 'a'; }
  // First modification of that command for that header name (case-insensitive), or null.
  const milter::wire::Reply* find(char command, std::string_view header_name = {}) const;
};

class MilterClient {
 public:
  explicit MilterClient(ClientOptions options = {}) : options_(options) {}

  // "unix:/path", "/path", "inet:port@host". Errc::temporary when nobody listens.
  [[nodiscard]] Result<void> connect(std::string_view spec);
  // OPTNEG; stores and returns the filter's answer. bad_input when the filter asks for
  // actions or steps that were not offered.
  [[nodiscard]] Result<milter::wire::OptNeg> negotiate();
  const milter::wire::OptNeg& negotiated() const noexcept { return optneg_; }

  // A whole message: negotiation and connect/helo on first use of the connection, then
  // mail..eom (stopping where the filter ends the message, like Postfix).
  [[nodiscard]] Result<Transaction> send_message(const Message& message);

  // Step-level calls (macros for the step are taken from `macros`).
  [[nodiscard]] Result<StepResult> send_connect(const Message& m);
  [[nodiscard]] Result<StepResult> send_helo(const Message& m);
  [[nodiscard]] Result<StepResult> send_mail(const Message& m);
  [[nodiscard]] Result<StepResult> send_rcpt(const Message& m, const std::vector<std::string>& rcpt);
  [[nodiscard]] Result<StepResult> send_data(const Message& m);
  [[nodiscard]] Result<StepResult> send_header(std::string_view name, std::string_view value);
  [[nodiscard]] Result<StepResult> send_eoh(const Message& m);
  [[nodiscard]] Result<StepResult> send_body(std::string_view chunk);
  [[nodiscard]] Result<StepResult> send_eom(const Message& m);
  [[nodiscard]] Result<void> send_abort();
  [[nodiscard]] Result<void> send_quit();
  [[nodiscard]] Result<void> send_raw(std::string_view bytes);
  // Waits for the filter to close the connection (true) or the timeout (false).
  bool wait_closed(int timeout_ms);
  void close() { fd_.reset(); }
  bool is_connected() const noexcept { return fd_.valid(); }

 private:
  Result<void> write_all(std::string_view bytes);
  Result<milter::wire::Packet> read_packet();
  Result<void> send_macros(milter::wire::Stage stage, char command, const Message& m);
  // Sends one command (unless skipped) and collects its reply (unless no-reply).
  Result<StepResult> step(char command, std::string_view payload, std::uint32_t skip_bit, std::uint32_t no_reply_bit,
                          bool at_eom = false);
  Result<StepResult> fail_closed(Error e);

  ClientOptions options_;
  Fd fd_;
  milter::wire::PacketDecoder decoder_;
  milter::wire::OptNeg optneg_;
  bool negotiated_ = false;
  bool connected_step_done_ = false;
};

}  // namespace cachet::testlib
