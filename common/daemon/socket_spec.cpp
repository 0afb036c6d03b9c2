// SPDX-License-Identifier: BSD-2-Clause
// common/daemon/socket_spec.cpp: socket specs, stale-socket removal, listening sockets;
// see socket_spec.hpp.
#include "common/daemon/socket_spec.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/base/strings.hpp"

namespace cachet::daemon {
namespace {

Unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(Errc::config, "'" + std::string(text) + "': " + std::string(why));
}

Unexpected<Error> os_error(std::string what, int err) {
  return fail(Errc::temporary, what + ": " + std::strerror(err));
}

Result<SocketSpec> parse_inet(std::string_view text, std::string_view rest, SocketSpec::Family family) {
  SocketSpec s;
  s.family = family;
  std::string_view port = rest;
  if (const auto at = rest.find('@'); at != std::string_view::npos) {
    port = rest.substr(0, at);
    std::string_view host = rest.substr(at + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return bad(text, "empty host after '@'");
    if (host.find_first_of(" \t@[]/") != std::string_view::npos) return bad(text, "malformed host");
    s.host = std::string(host);
  }
  if (port.empty()) return bad(text, "missing port");
  const auto n = parse_uint(port);
  if (!n) return bad(text, "port is not a number");
  if (*n == 0 || *n > 65535) return bad(text, "port out of range 1-65535");
  s.port = static_cast<std::uint16_t>(*n);
  return s;
}

Result<SocketSpec> parse_unix(std::string_view text, std::string_view path) {
  if (path.empty()) return bad(text, "empty path");
  if (path.size() > kMaxUnixPathBytes) return bad(text, "path longer than 107 bytes");
  SocketSpec s;
  s.path = std::string(path);
  return s;
}

}  // namespace

Result<SocketSpec> parse_socket_spec(std::string_view text) {
  if (text.empty()) return fail(Errc::config, "empty socket spec");
  if (text.size() > kMaxSocketSpecBytes) return fail(Errc::config, "socket spec too long");
  if (text.find('\0') != std::string_view::npos) return bad("...", "NUL byte in socket spec");
  if (text.front() == '/') return parse_unix(text, text);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return bad(text, "expected local:/path, unix:/path, /path, inet:port@host or inet6:port@host");
  const std::string_view scheme = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (iequals(scheme, "local") || iequals(scheme, "unix")) return parse_unix(text, rest);
  if (iequals(scheme, "inet")) return parse_inet(text, rest, SocketSpec::Family::inet);
  if (iequals(scheme, "inet6")) return parse_inet(text, rest, SocketSpec::Family::inet6);
  return bad(text, "unknown socket type '" + std::string(scheme) + "'");
}

std::string to_milter_conn(const SocketSpec& spec) {
  switch (spec.family) {
    case SocketSpec::Family::unix_path: return "local:" + spec.path;
    case SocketSpec::Family::inet:
    case SocketSpec::Family::inet6: {
      std::string out = spec.family == SocketSpec::Family::inet ? "inet:" : "inet6:";
      out += std::to_string(spec.port);
      if (!spec.host.empty()) out += "@" + spec.host;
      return out;
    }
  }
  return {};
}

Result<void> remove_stale_socket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return os_error("cannot inspect " + path, errno);
  }
  if (!S_ISSOCK(st.st_mode)) return fail(Errc::config, path + " exists and is not a socket; not removing it");
  Fd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return os_error("socket", errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return fail(Errc::config, path + ": path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0)
    return fail(Errc::config, "another daemon is listening on " + path);
  const int err = errno;
  // ECONNREFUSED: nobody listens; the file is left over from a crash and safe to remove.
  if (err != ECONNREFUSED) return os_error("cannot probe " + path, err);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error("cannot remove stale socket " + path, errno);
  return {};
}

namespace {

class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t bits) : old_(::umask(bits)) {}
  ~UmaskGuard() { ::umask(old_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t old_;
};

Result<Fd> listen_unix(const SocketSpec& spec, mode_t umask_bits) {
  if (auto r = remove_stale_socket(spec.path); !r) return fail(r.error().code, r.error().detail);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error("socket", errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, spec.path.c_str(), spec.path.size() + 1);
  {
    UmaskGuard guard(umask_bits);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      return os_error("cannot bind " + spec.path, errno);
  }
  if (::listen(fd.get(), kListenBacklog) != 0) return os_error("listen " + spec.path, errno);
  return fd;
}

Result<Fd> listen_inet(const SocketSpec& spec) {
  const bool v6 = spec.family == SocketSpec::Family::inet6;
  std::string host = spec.host;
  if (iequals(host, "localhost")) host = v6 ? "::1" : "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = v6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  // Numeric hosts only: binding must never depend on a DNS lookup.
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const std::string port = std::to_string(spec.port);
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &raw);
  if (rc != 0)
    return fail(Errc::config,
                "cannot use host '" + spec.host + "': " + ::gai_strerror(rc) + " (numeric addresses only)");
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> ai(raw, ::freeaddrinfo);
  Fd fd(::socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error("socket", errno);
  const int one = 1;
  (void)::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) return os_error("cannot bind " + to_milter_conn(spec), errno);
  if (::listen(fd.get(), kListenBacklog) != 0) return os_error("listen", errno);
  return fd;
}

}  // namespace

Result<Fd> listen_socket(const SocketSpec& spec, mode_t umask_bits) {
  if (spec.is_unix()) return listen_unix(spec, umask_bits);
  return listen_inet(spec);
}

mode_t process_umask() noexcept {
  const mode_t current = ::umask(0);
  ::umask(current);
  return current;
}

std::optional<FileIdentity> socket_identity(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return std::nullopt;
  return FileIdentity{st.st_dev, st.st_ino, static_cast<long>(st.st_ctim.tv_sec),
                      static_cast<long>(st.st_ctim.tv_nsec)};
}

bool remove_own_socket(const std::string& path, const FileIdentity& id) {
  const auto now = socket_identity(path);
  if (!now || !(*now == id)) return false;
  return ::unlink(path.c_str()) == 0;
}

}  // namespace cachet::daemon
