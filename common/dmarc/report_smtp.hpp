// SPDX-License-Identifier: BSD-2-Clause
//
// common/dmarc/report_smtp.hpp: delivering reports by SMTP submission (RFC 6409) instead of
// sendmail: connect, EHLO, STARTTLS (RFC 3207; required: no AUTH and no report ever go out
// in clear), EHLO again, AUTH PLAIN (RFC 4616) when a user is set, MAIL FROM, RCPT TO,
// DATA (CRLF line ends, dot-stuffed, RFC 5321 s4.5.2), QUIT. One connection per message.
// The password comes from a file (read_password_file: its first line; refused when others
// may read it), never from the command line.
// Pure parts: SmtpReplyReader (the multi-line reply grammar of RFC 5321 s4.2, limits
// kMaxReplyLineBytes / kMaxReplyLines), smtp_data() and auth_plain(). Errors of delivery:
// Errc::temporary for a 4xx reply, a timeout or a connection/TLS failure; Errc::permanent
// for a 5xx reply (both are recorded as failed: the next run tries again); each detail
// names the step and the server's reply.
// Single-threaded; blocking socket with a per-operation timeout.
// See also: report_delivery.hpp (sendmail, .eml), common/crypto/tls_client.hpp,
// tests/unit/common/dmarc/report_smtp_test.cpp, tests/fuzz/fuzz_smtp_reply.cpp
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.hpp"
#include "common/dmarc/report_run.hpp"

namespace cachet::dmarc {

inline constexpr std::size_t kMaxReplyLineBytes = 4096;  // RFC 5321 says 512: be lenient
inline constexpr std::size_t kMaxReplyLines = 100;

struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;  // text after "NNN-" / "NNN "
  std::string text() const;        // lines joined by "; ", for log lines
};

// Feed bytes as they arrive; next() hands out each complete reply. A malformed line (no
// 3-digit code, a code that changes inside one reply, a separator other than ' ' or '-',
// over the limits) makes the reader fail for good (error()).
class SmtpReplyReader {
 public:
  void feed(std::string_view bytes);
  std::optional<SmtpReply> next();
  const std::string& error() const noexcept { return error_; }

 private:
  std::string buf_, error_;
  SmtpReply partial_;
};

// The message as DATA carries it: CRLF line ends, a leading '.' doubled, ending "\r\n.\r\n".
std::string smtp_data(std::string_view message);

// base64("\0user\0password") for "AUTH PLAIN".
std::string auth_plain(std::string_view user, std::string_view password);

// The first line of the file. Errors: config (unreadable, empty, readable by others).
[[nodiscard]] Result<std::string> read_password_file(const std::string& path);

struct SmtpOptions {
  std::string host;  // name or address; the certificate must match it
  std::string port = "587";
  std::string helo;  // our name for EHLO
  std::string user;  // "" = no AUTH
  std::string password;
  std::string ca_file;  // "" = the system's CA paths
  std::chrono::seconds timeout{60};
};

class SmtpDelivery final : public ReportDelivery {
 public:
  explicit SmtpDelivery(SmtpOptions o) : o_(std::move(o)) {}
  Result<void> deliver(const std::string& from, const std::string& to, const std::string& file_stem,
                       const std::string& message) override;

 private:
  SmtpOptions o_;
};

}  // namespace cachet::dmarc
