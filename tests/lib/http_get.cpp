// SPDX-License-Identifier: BSD-2-Clause
// tests/lib/http_get.cpp: see http_get.hpp.
#include "tests/lib/http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/base/fd.hpp"

namespace cachet::testlib {

Result<std::string> http_get(int port, const std::string& path) {
  Fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return fail(Errc::temporary, "socket failed");
  const timeval tv{5, 0};
  ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    return fail(Errc::temporary, "connect failed");
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::write(s.get(), req.data(), req.size()) != static_cast<ssize_t>(req.size()))
    return fail(Errc::temporary, "write failed");
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(s.get(), buf, sizeof buf);
    if (n < 0) return fail(Errc::temporary, "read failed");
    if (n == 0) break;
    answer.append(buf, static_cast<std::size_t>(n));
  }
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.find(" 200 ") == std::string::npos)
    return fail(Errc::bad_input, "not a 200 answer: " + answer.substr(0, answer.find('\n')));
  const auto body = answer.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : answer.substr(body + 4);
}

}  // namespace cachet::testlib
