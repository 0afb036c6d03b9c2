// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/sd_notify.cpp: see sd_notify.hpp.
#include "common/daemon/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "common/base/fd.hpp"

namespace cachet::daemon {

Result<void> send_notify(std::string_view socket_address, std::string_view state) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const bool is_abstract = !socket_address.empty() && socket_address.front() == '@';
  if (socket_address.empty() || (!is_abstract && socket_address.front() != '/')) {
    return fail(Errc::config, "NOTIFY_SOCKET '" + std::string(socket_address) +
                                  "' is neither an absolute path nor an abstract socket");
  }
  // A path needs room for its NUL; an abstract name is exactly its bytes.
  if (socket_address.size() + (is_abstract ? 0 : 1) > sizeof addr.sun_path) {
    return fail(Errc::config, "NOTIFY_SOCKET is too long for a unix socket address");
  }
  std::memcpy(addr.sun_path, socket_address.data(), socket_address.size());
  if (is_abstract) addr.sun_path[0] = '\0';
  const auto len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_address.size() + (is_abstract ? 0 : 1));
  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    const int err = errno;
    return fail(Errc::temporary, std::string("notify socket: ") + std::strerror(err));
  }
  const ssize_t n =
      ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), len);
  if (n < 0) {
    const int err = errno;
    return fail(Errc::temporary, "notify " + std::string(socket_address) + ": " + std::strerror(err));
  }
  if (static_cast<std::size_t>(n) != state.size()) {
    return fail(Errc::temporary, "notify: short datagram");
  }
  return {};
}

}  // namespace cachet::daemon
