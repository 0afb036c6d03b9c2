// SPDX-License-Identifier: BSD-2-Clause
// common/dmarc/report_smtp.cpp: see report_smtp.hpp.
#include "common/dmarc/report_smtp.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "common/base/base64.hpp"
#include "common/base/fd.hpp"
#include "common/base/strings.hpp"
#include "common/crypto/tls_client.hpp"

namespace cachet::dmarc {
namespace {

constexpr std::size_t kMaxPasswordFileBytes = 4096;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// One SMTP session: plain until STARTTLS, TLS afterwards.
class Session {
 public:
  explicit Session(const SmtpOptions& o) : o_(o) {}

  Result<void> connect() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* raw = nullptr;
    if (const int rc = ::getaddrinfo(o_.host.c_str(), o_.port.c_str(), &hints, &raw); rc != 0)
      return fail(Errc::temporary, "smtp " + o_.host + ": " + ::gai_strerror(rc));
    const std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(raw, &::freeaddrinfo);
    std::string why = "no address";
    for (const addrinfo* a = list.get(); a != nullptr; a = a->ai_next) {
      Fd fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol));
      if (!fd.valid()) continue;
      const timeval tv{static_cast<time_t>(o_.timeout.count()), 0};
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect() too
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = std::move(fd);
        return {};
      }
      why = std::strerror(errno);
    }
    return fail(Errc::temporary, "smtp connect to " + o_.host + ":" + o_.port + ": " + why);
  }

  Result<void> starttls() {
    // Bytes the server (or a man in the middle) sent after its STARTTLS reply must not be
    // read as replies inside TLS (CVE-2011-0411 class): the reader starts empty.
    reader_ = SmtpReplyReader();
    auto tls = crypto::TlsClient::handshake(fd_.get(), o_.host, o_.ca_file);
    if (!tls) return Unexpected<Error>(tls.error());
    tls_ = std::move(*tls);
    return {};
  }

  // Sends `line` (CRLF added unless empty) and reads the reply; a reply outside the
  // expected class (2 = 2xx, 3 = 3xx) is an error naming `step`.
  Result<SmtpReply> command(std::string_view line, int expect, std::string_view step) {
    if (!line.empty())
      if (auto s = send(std::string(line) + "\r\n"); !s) return Unexpected<Error>(s.error());
    auto r = reply(step);
    if (!r) return r;
    if (r->code / 100 != expect)
      return fail(r->code / 100 == 4 ? Errc::temporary : Errc::permanent,
                  "smtp " + std::string(step) + ": " + std::to_string(r->code) + " " + r->text());
    return r;
  }

  Result<void> send(std::string_view data) {
    if (tls_) return tls_->write_all(data);
    while (!data.empty()) {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return fail(Errc::temporary, std::string("smtp write: ") + std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
  }

 private:
  Result<SmtpReply> reply(std::string_view step) {
    for (;;) {
      if (auto r = reader_.next()) return *r;
      if (!reader_.error().empty()) return fail(Errc::temporary, "smtp " + std::string(step) + ": " + reader_.error());
      if (tls_) {
        auto got = tls_->read_some();
        if (!got) return Unexpected<Error>(got.error());
        reader_.feed(*got);
        continue;
      }
      char buf[4096];
      const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return fail(Errc::temporary, "smtp " + std::string(step) + ": " +
                                         (n == 0 ? std::string("connection closed") : std::strerror(errno)));
      reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }

  const SmtpOptions& o_;
  Fd fd_;
  std::unique_ptr<crypto::TlsClient> tls_;
  SmtpReplyReader reader_;
};

bool advertises(const SmtpReply& ehlo, std::string_view keyword) {
  for (const std::string& line : ehlo.lines) {
    const std::string_view l = line;
    if (l.size() >= keyword.size() && iequals(l.substr(0, keyword.size()), keyword) &&
        (l.size() == keyword.size() || l[keyword.size()] == ' '))
      return true;
  }
  return false;
}

}  // namespace

std::string SmtpReply::text() const {
  std::string out;
  for (const std::string& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out;
}

void SmtpReplyReader::feed(std::string_view bytes) {
  if (error_.empty()) buf_.append(bytes);
}

std::optional<SmtpReply> SmtpReplyReader::next() {
  while (error_.empty()) {
    const auto eol = buf_.find('\n');
    if (eol == std::string::npos) {
      if (buf_.size() > kMaxReplyLineBytes) error_ = "reply line too long";
      return std::nullopt;
    }
    std::string line = buf_.substr(0, eol);
    buf_.erase(0, eol + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxReplyLineBytes) {
      error_ = "reply line too long";
      break;
    }
    if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-')) {
      error_ = "malformed reply line";
      break;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!partial_.lines.empty() && code != partial_.code) {
      error_ = "reply code changes inside a multi-line reply";
      break;
    }
    if (partial_.lines.size() == kMaxReplyLines) {
      error_ = "too many reply lines";
      break;
    }
    partial_.code = code;
    partial_.lines.push_back(line.size() > 4 ? line.substr(4) : "");
    if (line.size() == 3 || line[3] == ' ') return std::exchange(partial_, SmtpReply{});
  }
  return std::nullopt;
}

std::string smtp_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 40 + 8);
  bool at_line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (at_line_start && c == '.') out += '.';
    if (c == '\n') {
      if (out.empty() || out.back() != '\r') out += '\r';
      out += '\n';
      at_line_start = true;
      continue;
    }
    out += c;
    at_line_start = false;
  }
  if (!at_line_start) out += "\r\n";
  return out + ".\r\n";
}

std::string auth_plain(std::string_view user, std::string_view password) {
  std::string s;
  s += '\0';
  s += user;
  s += '\0';
  s += password;
  return base64_encode(s);
}

Result<std::string> read_password_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return fail(Errc::config, "password file " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail(Errc::config, "password file " + path + ": not a regular file");
  if ((st.st_mode & S_IROTH) != 0)
    return fail(Errc::config, "password file " + path + " is readable by others: chmod o-r it");
  std::string text(kMaxPasswordFileBytes, '\0');
  const ssize_t n = ::read(fd.get(), text.data(), text.size());
  if (n <= 0) return fail(Errc::config, "password file " + path + " is empty or unreadable");
  text.resize(static_cast<std::size_t>(n));
  text = text.substr(0, text.find_first_of("\r\n"));
  if (text.empty()) return fail(Errc::config, "password file " + path + ": the first line is empty");
  return text;
}

Result<void> SmtpDelivery::deliver(const std::string& from, const std::string& to, const std::string&,
                                   const std::string& message) {
  Session s(o_);
  if (auto c = s.connect(); !c) return c;
  auto step = [&](std::string_view line, int expect, std::string_view name) -> Result<SmtpReply> {
    return s.command(line, expect, name);
  };
  if (auto r = step("", 2, "greeting"); !r) return Unexpected<Error>(r.error());
  auto ehlo = step("EHLO " + o_.helo, 2, "EHLO");
  if (!ehlo) return Unexpected<Error>(ehlo.error());
  if (!advertises(*ehlo, "STARTTLS"))
    return fail(Errc::temporary, "smtp " + o_.host + " does not offer STARTTLS: refusing to send in clear");
  if (auto r = step("STARTTLS", 2, "STARTTLS"); !r) return Unexpected<Error>(r.error());
  if (auto t = s.starttls(); !t) return t;
  ehlo = step("EHLO " + o_.helo, 2, "EHLO after STARTTLS");
  if (!ehlo) return Unexpected<Error>(ehlo.error());
  if (!o_.user.empty())
    if (auto r = step("AUTH PLAIN " + auth_plain(o_.user, o_.password), 2, "AUTH"); !r)
      return Unexpected<Error>(r.error());
  if (auto r = step("MAIL FROM:<" + from + ">", 2, "MAIL FROM"); !r) return Unexpected<Error>(r.error());
  if (auto r = step("RCPT TO:<" + to + ">", 2, "RCPT TO"); !r) return Unexpected<Error>(r.error());
  if (auto r = step("DATA", 3, "DATA"); !r) return Unexpected<Error>(r.error());
  if (auto d = s.send(smtp_data(message)); !d) return d;
  if (auto r = step("", 2, "end of data"); !r) return Unexpected<Error>(r.error());
  (void)step("QUIT", 2, "QUIT");  // the message is accepted: QUIT's answer changes nothing
  return {};
}

}  // namespace cachet::dmarc
