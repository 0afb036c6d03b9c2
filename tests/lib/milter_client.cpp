// SPDX-License-Identifier: BSD-2-Clause
// tests/lib/milter_client.cpp: see milter_client.hpp.
#include "tests/lib/milter_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/strings.hpp"
#include "common/daemon/socket_spec.hpp"

namespace cachet::testlib {

namespace wire = milter::wire;
using wire::Stage;

std::vector<std::string> postfix_default_macros(Stage stage) {
  switch (stage) {
    case Stage::connect: return {"j", "{daemon_name}", "{daemon_addr}", "v", "_"};
    case Stage::helo: return {"{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"};
    case Stage::mail:
      return {"i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}", "{mail_mailer}"};
    case Stage::rcpt: return {"i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"};
    case Stage::data:
    case Stage::eoh:
    case Stage::eom: return {"i"};
  }
  return {};
}

const wire::Reply* Transaction::find(char command, std::string_view header_name) const {
  for (const auto& m : modifications)
    if (m.command == command && (header_name.empty() || iequals(m.name, header_name))) return &m;
  return nullptr;
}

Result<void> MilterClient::connect(std::string_view spec_text) {
  auto spec = daemon::parse_socket_spec(spec_text);
  if (!spec) return fail(Errc::config, spec.error().detail);
  decoder_ = wire::PacketDecoder();
  negotiated_ = connected_step_done_ = false;
  if (spec->is_unix()) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, spec->path.data(), spec->path.size());
    if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
      return fail(Errc::temporary, "connect " + spec->path + ": " + std::strerror(errno));
    fd_ = std::move(fd);
    return {};
  }
  const bool v6 = spec->family == daemon::SocketSpec::Family::inet6;
  Fd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_storage ss{};
  socklen_t len = 0;
  const std::string host = spec->host.empty() ? (v6 ? "::1" : "127.0.0.1") : spec->host;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(spec->port);
    if (inet_pton(AF_INET6, host.c_str(), &sa->sin6_addr) != 1)
      return fail(Errc::config, "not an IPv6 address: " + host);
    len = sizeof *sa;
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(spec->port);
    if (inet_pton(AF_INET, host.c_str(), &sa->sin_addr) != 1) return fail(Errc::config, "not an IPv4 address: " + host);
    len = sizeof *sa;
  }
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return fail(Errc::temporary, "connect " + std::string(spec_text) + ": " + std::strerror(errno));
  fd_ = std::move(fd);
  return {};
}

Result<void> MilterClient::write_all(std::string_view bytes) {
  if (!fd_.valid()) return fail(Errc::temporary, "not connected");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      fd_.reset();
      return fail(Errc::temporary, std::string("send: ") + std::strerror(err));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<wire::Packet> MilterClient::read_packet() {
  for (;;) {
    auto next = decoder_.next();
    if (!next) {
      fd_.reset();
      return fail(Errc::bad_input, next.error().detail);
    }
    if (*next) return std::move(**next);
    if (!fd_.valid()) return fail(Errc::temporary, "not connected");
    pollfd p{fd_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, options_.timeout_ms);
    if (r == 0) return fail(Errc::temporary, "timeout waiting for the filter");
    if (r < 0) {
      if (errno == EINTR) continue;
      return fail(Errc::temporary, std::string("poll: ") + std::strerror(errno));
    }
    char buf[65536];
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fd_.reset();
      return fail(Errc::temporary, n == 0 ? "filter closed the connection" : "recv failed");
    }
    decoder_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
  }
}

Result<StepResult> MilterClient::fail_closed(Error e) {
  fd_.reset();
  return Unexpected<Error>(std::move(e));
}

Result<wire::OptNeg> MilterClient::negotiate() {
  std::string payload;
  wire::append_u32(payload, options_.version);
  wire::append_u32(payload, options_.actions);
  wire::append_u32(payload, options_.protocol);
  if (auto w = write_all(wire::encode_packet(wire::kCmdOptneg, payload)); !w) return Unexpected<Error>(w.error());
  auto packet = read_packet();
  if (!packet) return Unexpected<Error>(std::move(packet).error());
  if (packet->command != wire::kCmdOptneg) {
    fd_.reset();
    return fail(Errc::bad_input,
                "expected OPTNEG reply, got command " + std::to_string(static_cast<unsigned char>(packet->command)));
  }
  auto o = wire::decode_optneg(packet->payload);
  if (!o) {
    fd_.reset();
    return Unexpected<Error>(std::move(o).error());
  }
  // Postfix refuses a filter that wants more than offered; so do we.
  const std::uint32_t proto_mask = options_.protocol | wire::kMds256k | wire::kMds1m;
  if ((o->actions & ~options_.actions) != 0 || (o->protocol & ~proto_mask) != 0 || o->version < 2 ||
      o->version > options_.version) {
    fd_.reset();
    return fail(Errc::bad_input, "filter asked for actions/steps/version not offered");
  }
  optneg_ = std::move(*o);
  negotiated_ = true;
  return optneg_;
}

Result<void> MilterClient::send_macros(Stage stage, char command, const Message& m) {
  const auto& asked = optneg_.symlists[static_cast<std::size_t>(stage)];
  const std::vector<std::string> names = asked ? *asked : postfix_default_macros(stage);
  std::string payload(1, command);
  bool any = false;
  for (const auto& name : names) {
    auto it = m.macros.find(name);
    if (it == m.macros.end() && name.size() == 1) it = m.macros.find("{" + name + "}");
    if (it == m.macros.end()) continue;
    payload.append(name).push_back('\0');
    payload.append(it->second).push_back('\0');
    any = true;
  }
  if (!any) return {};
  return write_all(wire::encode_packet(wire::kCmdMacro, payload));
}

Result<StepResult> MilterClient::step(char command, std::string_view payload, std::uint32_t skip_bit,
                                      std::uint32_t no_reply_bit, bool at_eom) {
  StepResult out;
  out.reply.command = wire::kRepContinue;
  if (!negotiated_) return fail(Errc::internal, "step before negotiate()");
  if (skip_bit != 0 && (optneg_.protocol & skip_bit) != 0) {
    out.skipped = true;
    return out;
  }
  if (auto w = write_all(wire::encode_packet(command, payload)); !w) return Unexpected<Error>(w.error());
  if (no_reply_bit != 0 && (optneg_.protocol & no_reply_bit) != 0) {
    out.no_reply = true;
    return out;
  }
  for (;;) {
    auto packet = read_packet();
    if (!packet) return Unexpected<Error>(std::move(packet).error());
    auto reply = wire::decode_reply(*packet);
    if (!reply) return fail_closed(std::move(reply).error());
    if (reply->command == wire::kRepProgress && at_eom) {
      ++out.progress;
      continue;
    }
    if (reply->is_final()) {
      const bool skip_ok = command == wire::kCmdBody && (optneg_.protocol & wire::kSkip) != 0;
      if (reply->command == wire::kRepSkip && !skip_ok)
        return fail_closed(Error{Errc::bad_input, "skip reply outside an agreed body step"});
      out.reply = std::move(*reply);
      return out;
    }
    if (!at_eom) return fail_closed(Error{Errc::bad_input, "modification before end of message"});
    out.modifications.push_back(std::move(*reply));
  }
}

Result<StepResult> MilterClient::send_connect(const Message& m) {
  if (auto r = send_macros(Stage::connect, wire::kCmdConnect, m); !r) return Unexpected<Error>(r.error());
  std::string p = m.client_name;
  p.push_back('\0');
  p.push_back(m.family);
  if (m.family != 'U') {
    p.push_back(static_cast<char>(m.port >> 8));
    p.push_back(static_cast<char>(m.port & 0xff));
    p.append(m.client_addr).push_back('\0');
  }
  connected_step_done_ = true;
  return step(wire::kCmdConnect, p, wire::kNoConnect, wire::kNrConn);
}

Result<StepResult> MilterClient::send_helo(const Message& m) {
  if ((optneg_.protocol & wire::kNoHelo) == 0)
    if (auto r = send_macros(Stage::helo, wire::kCmdHelo, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdHelo, m.helo + '\0', wire::kNoHelo, wire::kNrHelo);
}

Result<StepResult> MilterClient::send_mail(const Message& m) {
  if ((optneg_.protocol & wire::kNoMail) == 0)
    if (auto r = send_macros(Stage::mail, wire::kCmdMail, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdMail, wire::nul_join(m.mail), wire::kNoMail, wire::kNrMail);
}

Result<StepResult> MilterClient::send_rcpt(const Message& m, const std::vector<std::string>& rcpt) {
  if ((optneg_.protocol & wire::kNoRcpt) == 0)
    if (auto r = send_macros(Stage::rcpt, wire::kCmdRcpt, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdRcpt, wire::nul_join(rcpt), wire::kNoRcpt, wire::kNrRcpt);
}

Result<StepResult> MilterClient::send_data(const Message& m) {
  if ((optneg_.protocol & wire::kNoData) == 0)
    if (auto r = send_macros(Stage::data, wire::kCmdData, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdData, {}, wire::kNoData, wire::kNrData);
}

Result<StepResult> MilterClient::send_header(std::string_view name, std::string_view value) {
  // Postfix removes the one space after the colon unless the filter wants it.
  if ((optneg_.protocol & wire::kHdrLeadSpc) == 0 && !value.empty() && value.front() == ' ') value.remove_prefix(1);
  std::string p(name);
  p.push_back('\0');
  p.append(value).push_back('\0');
  return step(wire::kCmdHeader, p, wire::kNoHdrs, wire::kNrHdr);
}

Result<StepResult> MilterClient::send_eoh(const Message& m) {
  if ((optneg_.protocol & wire::kNoEoh) == 0)
    if (auto r = send_macros(Stage::eoh, wire::kCmdEoh, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdEoh, {}, wire::kNoEoh, wire::kNrEoh);
}

Result<StepResult> MilterClient::send_body(std::string_view chunk) {
  if (chunk.size() > wire::kMaxBodyChunk) return fail(Errc::internal, "body chunk above 65535 bytes");
  return step(wire::kCmdBody, chunk, wire::kNoBody, wire::kNrBody);
}

Result<StepResult> MilterClient::send_eom(const Message& m) {
  if (auto r = send_macros(Stage::eom, wire::kCmdEom, m); !r) return Unexpected<Error>(r.error());
  return step(wire::kCmdEom, {}, 0, 0, /*at_eom=*/true);
}

Result<void> MilterClient::send_abort() { return write_all(wire::encode_packet(wire::kCmdAbort, {})); }

Result<void> MilterClient::send_quit() {
  auto r = write_all(wire::encode_packet(wire::kCmdQuit, {}));
  fd_.reset();
  return r;
}

Result<void> MilterClient::send_raw(std::string_view bytes) { return write_all(bytes); }

bool MilterClient::wait_closed(int timeout_ms) {
  if (!fd_.valid()) return true;
  pollfd p{fd_.get(), POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  const ssize_t n = ::recv(fd_.get(), &c, 1, MSG_PEEK);
  if (n <= 0) {
    fd_.reset();
    return true;
  }
  return false;
}

namespace {

// Copies a step's outcome into the transaction; true when the message goes on.
bool absorb(Transaction& t, StepResult& s, const char* step_name) {
  t.progress += s.progress;
  for (auto& m : s.modifications) t.modifications.push_back(std::move(m));
  t.final_command = s.reply.command;
  t.final_step = step_name;
  if (s.reply.command == wire::kRepReplyCode) t.reply_text = s.reply.value;
  return s.reply.command == wire::kRepContinue || s.reply.command == wire::kRepSkip;
}

}  // namespace

Result<Transaction> MilterClient::send_message(const Message& m) {
  if (!negotiated_)
    if (auto o = negotiate(); !o) return Unexpected<Error>(std::move(o).error());
  Transaction t;
#define CACHET_STEP(call, name)                             \
  {                                                         \
    auto r = (call);                                        \
    if (!r) return Unexpected<Error>(std::move(r).error()); \
    if (!absorb(t, *r, name)) return t;                     \
  }
  if (!connected_step_done_) {
    CACHET_STEP(send_connect(m), "connect")
    CACHET_STEP(send_helo(m), "helo")
  }
  CACHET_STEP(send_mail(m), "mail")
  bool any_rcpt = false;
  for (const auto& rcpt : m.rcpts) {
    auto r = send_rcpt(m, rcpt);
    if (!r) return Unexpected<Error>(std::move(r).error());
    if (absorb(t, *r, "rcpt")) any_rcpt = true;  // a rejected recipient ends only itself
  }
  if (!any_rcpt) return t;
  CACHET_STEP(send_data(m), "data")
  for (const auto& [name, value] : m.headers) CACHET_STEP(send_header(name, value), "header")
  CACHET_STEP(send_eoh(m), "eoh")
  for (std::size_t at = 0; at < m.body.size(); at += wire::kMaxBodyChunk) {
    auto r = send_body(std::string_view(m.body).substr(at, wire::kMaxBodyChunk));
    if (!r) return Unexpected<Error>(std::move(r).error());
    if (r->skipped) break;
    if (!absorb(t, *r, "body")) return t;
    if (r->reply.command == wire::kRepSkip) break;
  }
  CACHET_STEP(send_eom(m), "eom")
#undef CACHET_STEP
  return t;
}

}  // namespace cachet::testlib
